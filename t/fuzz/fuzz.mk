# libFuzzer targets over src/ (see t/fuzz/README).
.PHONY: fuzz fuzz-smoke
fuzz:
	@echo "no fuzz targets yet"
fuzz-smoke:
	@echo "no fuzz targets yet"
