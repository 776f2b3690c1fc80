/*
 * lexer.c - a branchy state machine: a hand-written lexer for a C-like
 * language (identifiers, keywords, decimal and hex numbers, strings with
 * escapes, // and block comments, one- and two-character operators) runs
 * over 64 KiB of generated source text, PASSES times.
 *
 *     lexer [PASSES]           prints token counts per kind and a checksum
 */
#include <string.h>
#include "bench.h"

#define TEXT_SIZE 65536

enum kind { T_IDENT, T_KEYWORD, T_NUMBER, T_STRING, T_OP, T_COMMENT, T_ERROR, T_KINDS };
static const char *kind_names[T_KINDS] = { "ident", "keyword", "number", "string", "op", "comment", "error" };

static char text[TEXT_SIZE + 1];

static const char *const words[] = { "if", "else", "while", "return", "int", "for", "count",
                                     "x", "value_2", "_tmp", "buffer", "node", "next", "i" };
static const char *const ops[] = { "+", "-", "*", "/", "=", "==", "!=", "<=", ">=", "<", ">",
                                   "&&", "||", "(", ")", "{", "}", ";", ",", "->", "++", "+=" };

static size_t append(size_t pos, const char *s)
{
    size_t n = strlen(s);
    if (pos + n > TEXT_SIZE)
        n = TEXT_SIZE - pos;
    memcpy(text + pos, s, n);
    return pos + n;
}

static void generate(void)
{
    uint64_t s = 12345;
    size_t pos = 0;
    char tmp[64];
    while (pos < TEXT_SIZE) {
        uint64_t r = bench_rand(&s);
        switch (r % 16) {
        case 0: case 1: case 2: case 3: case 4:
            pos = append(pos, words[(r >> 8) % (sizeof words / sizeof words[0])]);
            break;
        case 5: case 6:
            snprintf(tmp, sizeof tmp, (r >> 40) & 1 ? "0x%llx" : "%llu",
                     (unsigned long long)((r >> 8) % 100000));
            pos = append(pos, tmp);
            break;
        case 7:
            pos = append(pos, (r >> 8) & 1 ? "\"a string with \\\"escapes\\\" \\n\"" : "\"text\"");
            break;
        case 8:
            pos = append(pos, (r >> 8) & 1 ? "// line comment\n" : "/* block\n comment */");
            break;
        case 9: case 10: case 11: case 12:
            pos = append(pos, ops[(r >> 8) % (sizeof ops / sizeof ops[0])]);
            break;
        case 13:
            pos = append(pos, "\n    ");
            break;
        default:
            pos = append(pos, " ");
            break;
        }
        if ((r >> 20) % 3 == 0 && pos < TEXT_SIZE)
            text[pos++] = ' ';
    }
    text[TEXT_SIZE] = '\0';
}

enum state { S_START, S_IDENT, S_NUM, S_HEX, S_STR, S_STR_ESC, S_SLASH, S_LINE_COMMENT,
             S_BLOCK_COMMENT, S_BLOCK_STAR, S_OP2 };

static int is_keyword(const char *p, size_t n)
{
    static const char *const kw[] = { "if", "else", "while", "return", "int", "for" };
    for (unsigned i = 0; i < sizeof kw / sizeof kw[0]; i++)
        if (strlen(kw[i]) == n && memcmp(kw[i], p, n) == 0)
            return 1;
    return 0;
}

static uint64_t lex(const char *p, uint64_t counts[T_KINDS])
{
    enum state st = S_START;
    const char *start = p;
    uint64_t h = 0;
    for (;; p++) {
        unsigned char c = (unsigned char)*p;
        switch (st) {
        case S_START:
            start = p;
            if (c == '\0')
                return h;
            if (c == ' ' || c == '\n' || c == '\t')
                break;
            if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') st = S_IDENT;
            else if (c == '_') st = S_IDENT;
            else if (c == '0' && p[1] == 'x') { st = S_HEX; p++; }
            else if (c >= '0' && c <= '9') st = S_NUM;
            else if (c == '"') st = S_STR;
            else if (c == '/') st = S_SLASH;
            else if (strchr("=!<>&|+-", c)) st = S_OP2;
            else if (strchr("*(){};,", c)) { counts[T_OP]++; h = h * 31 + c; }
            else { counts[T_ERROR]++; }
            break;
        case S_IDENT:
            if (((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_' || (c >= '0' && c <= '9'))
                break;
            {
                size_t n = (size_t)(p - start);
                enum kind k = is_keyword(start, n) ? T_KEYWORD : T_IDENT;
                counts[k]++;
                h = h * 31 + n * 7 + k;
            }
            st = S_START; p--;
            break;
        case S_NUM:
        case S_HEX:
            if ((c >= '0' && c <= '9') || (st == S_HEX && (c | 0x20) >= 'a' && (c | 0x20) <= 'f'))
                break;
            counts[T_NUMBER]++;
            h = h * 31 + (uint64_t)(p - start) * 13;
            st = S_START; p--;
            break;
        case S_STR:
            if (c == '\\') st = S_STR_ESC;
            else if (c == '"') { counts[T_STRING]++; h = h * 31 + (uint64_t)(p - start); st = S_START; }
            else if (c == '\0') { counts[T_ERROR]++; return h; }
            break;
        case S_STR_ESC:
            if (c == '\0') { counts[T_ERROR]++; return h; }
            st = S_STR;
            break;
        case S_SLASH:
            if (c == '/') st = S_LINE_COMMENT;
            else if (c == '*') st = S_BLOCK_COMMENT;
            else { counts[T_OP]++; h = h * 31 + '/'; st = S_START; p--; }
            break;
        case S_LINE_COMMENT:
            if (c == '\n' || c == '\0') { counts[T_COMMENT]++; st = S_START; p--; }
            break;
        case S_BLOCK_COMMENT:
            if (c == '*') st = S_BLOCK_STAR;
            else if (c == '\0') { counts[T_ERROR]++; return h; }
            break;
        case S_BLOCK_STAR:
            if (c == '/') { counts[T_COMMENT]++; h = h * 31 + (uint64_t)(p - start); st = S_START; }
            else if (c == '\0') { counts[T_ERROR]++; return h; }
            else if (c != '*') st = S_BLOCK_COMMENT;
            break;
        case S_OP2: {
            unsigned char f = (unsigned char)*start;
            int two = (c == '=' && strchr("=!<>+", f)) || (c == f && strchr("&|+", f)) ||
                      (f == '-' && c == '>');
            counts[T_OP]++;
            h = h * 31 + f * 3 + (unsigned)two;
            if (!two)
                p--;
            st = S_START;
            break;
        }
        }
    }
}

int main(int argc, char **argv)
{
    long passes = bench_count(argc, argv, 1, 250);
    generate();
    uint64_t counts[T_KINDS] = { 0 }, sum = 0;
    uint64_t t0 = bench_now_ns();
    for (long i = 0; i < passes; i++)
        sum = bench_mix(sum, lex(text, counts));
    uint64_t t1 = bench_now_ns();
    bench_report(t0, t1, (uint64_t)passes);
    printf("lexer: passes=%ld bytes=%llu", passes, (unsigned long long)passes * TEXT_SIZE);
    for (int k = 0; k < T_KINDS; k++)
        printf(" %s=%llu", kind_names[k], (unsigned long long)counts[k]);
    printf(" checksum=%016llx\n", (unsigned long long)sum);
    return 0;
}
