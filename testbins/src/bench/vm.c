/*
 * vm.c - a bytecode interpreter loop: a tiny stack VM (switch dispatch,
 * 8 local variables, a 64-entry stack) runs a program whose loop body is
 * about 25 bytecodes, ITERATIONS times:
 *
 *     for (i = 0; i != n; i++) { acc = acc * 31 + (i ^ (acc >> 3)); if (acc & 1) odd++; }
 *
 *     vm [ITERATIONS]          prints acc, odd and the bytecodes executed
 */
#include "bench.h"

enum op { PUSH, LOAD, STORE, ADD, SUB, MUL, XOR, AND, SHR, DUP, POP, JZ, JNZ, JMP, LT, NE, HALT };

typedef struct { uint8_t op; int32_t arg; } insn;

__attribute__((noinline)) static uint64_t run(const insn *code, int64_t *locals, uint64_t *executed)
{
    int64_t stack[64];
    int sp = 0;
    uint64_t count = 0;
    for (int pc = 0;;) {
        const insn *in = &code[pc++];
        count++;
        switch (in->op) {
        case PUSH:  stack[sp++] = in->arg; break;
        case LOAD:  stack[sp++] = locals[in->arg]; break;
        case STORE: locals[in->arg] = stack[--sp]; break;
        case ADD:   sp--; stack[sp - 1] += stack[sp]; break;
        case SUB:   sp--; stack[sp - 1] -= stack[sp]; break;
        case MUL:   sp--; stack[sp - 1] = (int64_t)((uint64_t)stack[sp - 1] * (uint64_t)stack[sp]); break;
        case XOR:   sp--; stack[sp - 1] ^= stack[sp]; break;
        case AND:   sp--; stack[sp - 1] &= stack[sp]; break;
        case SHR:   sp--; stack[sp - 1] = (int64_t)((uint64_t)stack[sp - 1] >> (stack[sp] & 63)); break;
        case DUP:   stack[sp] = stack[sp - 1]; sp++; break;
        case POP:   sp--; break;
        case JZ:    if (stack[--sp] == 0) pc = in->arg; break;
        case JNZ:   if (stack[--sp] != 0) pc = in->arg; break;
        case JMP:   pc = in->arg; break;
        case LT:    sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
        case NE:    sp--; stack[sp - 1] = stack[sp - 1] != stack[sp]; break;
        case HALT:  *executed = count; return (uint64_t)locals[1];
        default:    *executed = count; return 0;
        }
    }
}

int main(int argc, char **argv)
{
    long n = bench_count(argc, argv, 1, 2500000);
    /* locals: 0 = i, 1 = acc, 2 = n, 3 = odd */
    static const insn code[] = {
        /*  0: while (i != n) */
        /*  0 */ { LOAD, 0 }, { LOAD, 2 }, { NE, 0 }, { JZ, 27 },
        /*  4: acc = acc * 31 + (i ^ (acc >> 3)) */
        /*  4 */ { LOAD, 1 }, { PUSH, 31 }, { MUL, 0 },
        /*  7 */ { LOAD, 0 }, { LOAD, 1 }, { PUSH, 3 }, { SHR, 0 }, { XOR, 0 },
        /* 12 */ { ADD, 0 }, { DUP, 0 }, { STORE, 1 },
        /* 15: if (acc & 1) odd++ */
        /* 15 */ { PUSH, 1 }, { AND, 0 }, { JZ, 22 },
        /* 18 */ { LOAD, 3 }, { PUSH, 1 }, { ADD, 0 }, { STORE, 3 },
        /* 22: i++ */
        /* 22 */ { LOAD, 0 }, { PUSH, 1 }, { ADD, 0 }, { STORE, 0 },
        /* 26 */ { JMP, 0 },
        /* 27 */ { HALT, 0 },
    };

    int64_t locals[8] = { 0, 1, n, 0 };
    uint64_t executed = 0;
    uint64_t t0 = bench_now_ns();
    uint64_t acc = run(code, locals, &executed);
    uint64_t t1 = bench_now_ns();
    bench_report(t0, t1, executed);
    printf("vm: iterations=%ld acc=%016llx odd=%lld bytecodes=%llu\n", n,
           (unsigned long long)acc, (long long)locals[3], (unsigned long long)executed);
    return 0;
}
