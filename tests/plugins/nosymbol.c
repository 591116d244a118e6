/* nosymbol.c - a shared object that is not a scalene-mcp plugin. */
int nosymbol_answer(void);
int nosymbol_answer(void)
{
    return 42;
}
