; hash.s — an open-addressing hash table (linear probing, multiplicative
; hash): M pseudo-random keys from 16,384 values looked up, each inserted if
; absent. Prints the distinct keys and the extra probes. Twin: hash.js.
; Held out: not one of the tuned kernels; the `cli` suite runs it.

        .equ    M, 8000000
        .equ    SLOTS, 32768    ; a power of two; the table at most half full

start:
        la      r10, table
        li      r6, 1103515245
        li      r7, 0x9E3779B1  ; Knuth's multiplier
        li      r12, SLOTS - 1
        li      r11, M
        li      r2, 12345       ; x
        li      r1, 0           ; i
        li      r8, 0           ; distinct keys
        li      r9, 0           ; extra probes
next:
        mul     r2, r2, r6
        addi    r2, r2, 12345
        shri    r3, r2, 16
        andi    r3, r3, 16383
        addi    r3, r3, 1       ; key, never 0 (0 marks an empty slot)
        mul     r4, r3, r7
        shri    r4, r4, 17      ; slot: the top 15 bits
probe:
        add     r5, r10, r4
        ld      r13, 0(r5)
        beq     r13, r3, found
        beqz    r13, insert
        addi    r4, r4, 1
        and     r4, r4, r12
        addi    r9, r9, 1
        b       probe
insert:
        st      r3, 0(r5)
        addi    r8, r8, 1
found:
        addi    r1, r1, 1
        blt     r1, r11, next
        out     r8, 2
        li      r1, 10
        out     r1, 0
        out     r9, 2
        out     r1, 0
        halt

table:  .space  SLOTS
