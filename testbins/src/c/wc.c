/*
 * wc.c - counts lines, words and bytes of the file named in argv[1], like
 * wc(1), and prints "LINES WORDS BYTES NAME".
 * Tests: open(2)/read(2) of a real file through stdio, ctype, and the error
 * path: a file that cannot be opened gives perror() on stderr and exit 1.
 */
#include <ctype.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[1], "r");
    if (f == NULL) {
        perror(argv[1]);
        return 1;
    }
    int lines = 0, words = 0, bytes = 0, inword = 0, c;
    while ((c = getc(f)) != EOF) {
        bytes++;
        if (c == '\n')
            lines++;
        if (isspace(c)) {
            inword = 0;
        } else if (!inword) {
            inword = 1;
            words++;
        }
    }
    if (ferror(f)) {
        perror(argv[1]);
        return 1;
    }
    fclose(f);
    printf("%d %d %d %s\n", lines, words, bytes, argv[1]);
    return 0;
}
