/* sud.c — the per-thread switch of syscall user dispatch (sud.h). */
#include "record/sud.h"

__thread volatile uint8_t ct_sud_sel __attribute__((tls_model("initial-exec")));
__thread bool ct_sud_on __attribute__((tls_model("initial-exec")));
__thread uint32_t ct_sud_holds __attribute__((tls_model("initial-exec")));
void (*ct_sud_on_register)(void);
__thread uint64_t ct_sud_resume __attribute__((tls_model("initial-exec")));
