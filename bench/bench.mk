# Benchmarks (see bench/README).
.PHONY: bench
bench:
	@echo "no benchmarks yet"
