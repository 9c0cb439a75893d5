/* For check_html: a thread name and mark labels full of markup, which the
 * html view must show as text and never let out of its data blocks. */
#include <calltrace.h>

void inner(void)
{
    calltrace_mark("</script><script>document.title='pwned'</script>");
}

int main(void)
{
    calltrace_set_thread_name("<b>&amp;\"lane\" 'x'</b>");
    calltrace_mark("<!-- a & b --><img src=x onerror=\"document.title='pwned'\">");
    inner();
    calltrace_mark("x</SCRIPT y \xc2\xb5s \xe2\x9c\x93");
    return 0;
}
