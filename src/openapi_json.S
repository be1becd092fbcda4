/* doc/openapi.json embedded in the object, as the bytes of the file:
 * mtt_openapi_json up to mtt_openapi_json_end (see openapi.c++), with a NUL
 * after them. MTT_OPENAPI_JSON is the file's path, passed by the Makefile
 * (-D) and by `config` (the wrapper it writes in nginx's build directory). */
#ifndef MTT_OPENAPI_JSON
#error "define MTT_OPENAPI_JSON as the quoted path of doc/openapi.json"
#endif

    .section .rodata
    .global mtt_openapi_json
    .global mtt_openapi_json_end
    .hidden mtt_openapi_json
    .hidden mtt_openapi_json_end
    .type mtt_openapi_json, @object
    .balign 16
mtt_openapi_json:
    .incbin MTT_OPENAPI_JSON
mtt_openapi_json_end:
    .byte 0
    .size mtt_openapi_json, . - mtt_openapi_json

/* no executable stack */
    .section .note.GNU-stack, "", @progbits
