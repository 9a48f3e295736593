; debuggee.s — a long run for the reverse-execution benchmark (bench/debug.bench.ts):
; ROUNDS passes over an array of WORDS words, each pass calling a routine that
; adds the pass number to every word (loads, stores, calls, returns), and an
; `out` of the running checksum's low byte every pass (so under the VMM the
; monitor emulates one instruction per pass). About 10 million steps.
; Result: r9 = the checksum.

        .equ    WORDS, 256
        .equ    ROUNDS, 5550

start:
        la      sp, stack_top
        li      r8, 0           ; pass
        li      r9, 0           ; checksum
pass:
        la      r1, array
        li      r2, WORDS
        mov     r3, r8
        call    add_all
        out     r9, 0
        addi    r8, r8, 1
        li      r4, ROUNDS
        bne     r8, r4, pass
        halt

; add_all: r1 = address, r2 = count, r3 = value: a[i] += r3; r9 += a[i]. Clobbers r1, r2, r5.
add_all:
        push    lr
add_loop:
        ld      r5, 0(r1)
        add     r5, r5, r3
        st      r5, 0(r1)
        add     r9, r9, r5
        addi    r1, r1, 1
        addi    r2, r2, -1
        bnez    r2, add_loop
        pop     lr
        ret

array:  .space  WORDS
        .space  64
stack_top:
