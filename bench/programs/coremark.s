; coremark.s — a CoreMark-like mixed workload (after EEMBC CoreMark's four
; kernels). Each of ITER iterations calls, in turn:
;   list_work    a linked list of LN nodes in storage: find the node whose
;                value is the key (steps taken), reverse the list in place,
;                then hash the values in their new order;
;   matrix_work  C = A x B for MN x MN integer matrices, the sum of C, then
;                A += 1 (so every iteration multiplies different matrices);
;   state_work   the number recognizer of state.s over SN characters: counts
;                of the states each ','-ended token ended in, weighted;
;   crc32        after each of them, the result folded into a running
;                CRC-16 (polynomial 0xA001, as CoreMark's crcu8), byte by byte.
; Calls and returns (with a stack), pointer chasing, nested loops, chains of
; compares and branches, bit twiddling. Result: r2 = the final CRC.
; bench/js/kernels.ts coremark() is the same program in plain JS.

        .equ    ITER, 2400
        .equ    LN, 64          ; list nodes
        .equ    MN, 8           ; matrix order
        .equ    SN, 400         ; characters for the state machine

start:
        la      sp, stack_top
        li      r6, 1103515245  ; the LCG: x = x * 1103515245 + 12345
        li      r2, 12345

        ; the list: node k at nodes + 2k holds (next, value); the last next is 0
        la      r10, nodes
        li      r11, LN
        li      r1, 0
init_list:
        mul     r2, r2, r6
        addi    r2, r2, 12345
        shli    r3, r1, 1
        add     r3, r10, r3     ; &node[k]
        addi    r4, r3, 2
        st      r4, 0(r3)       ; next = &node[k + 1]
        shri    r5, r2, 16
        andi    r5, r5, 255
        st      r5, 1(r3)       ; value
        addi    r1, r1, 1
        blt     r1, r11, init_list
        st      r0, 0(r3)       ; the last node ends the list
        la      r4, head
        st      r10, 0(r4)

        ; the matrices: A[i][j] in -8..7, B[i][j] in 0..15 (B = A + MN*MN)
        la      r10, mat_a
        li      r11, MN * MN
        li      r1, 0
init_mat:
        mul     r2, r2, r6
        addi    r2, r2, 12345
        shri    r3, r2, 16
        andi    r3, r3, 15
        addi    r3, r3, -8
        add     r4, r10, r1
        st      r3, 0(r4)
        shri    r3, r2, 20
        andi    r3, r3, 15
        st      r3, MN * MN(r4)
        addi    r1, r1, 1
        blt     r1, r11, init_mat

        ; the text: characters from "0159.e-,"
        la      r10, text
        li      r11, SN
        la      r12, chars
        li      r1, 0
init_text:
        mul     r2, r2, r6
        addi    r2, r2, 12345
        shri    r3, r2, 16
        andi    r3, r3, 7
        add     r3, r12, r3
        ld      r3, 0(r3)
        add     r4, r10, r1
        st      r3, 0(r4)
        addi    r1, r1, 1
        blt     r1, r11, init_text

        li      r10, ITER
        li      r11, 0          ; crc
iter:
        andi    r1, r11, 255    ; the key to find: the crc's low byte
        call    list_work
        mov     r2, r11
        call    crc32
        mov     r11, r1
        call    matrix_work
        mov     r2, r11
        call    crc32
        mov     r11, r1
        call    state_work
        mov     r2, r11
        call    crc32
        mov     r11, r1
        addi    r10, r10, -1
        bnez    r10, iter
        mov     r2, r11
        halt

; Calling convention: arguments and result in r1 (r2), r1-r9 may be
; clobbered, r10-r13 are preserved, lr = r14, sp = r15.

; list_work: r1 = key -> r1 = hash of the reversed list + steps to find key
list_work:
        la      r9, head
        ld      r2, 0(r9)       ; p = head
        li      r3, 0           ; steps
find:
        beqz    r2, found       ; end of the list: not found
        ld      r4, 1(r2)
        beq     r4, r1, found
        ld      r2, 0(r2)       ; p = p->next
        addi    r3, r3, 1
        b       find
found:
        ld      r2, 0(r9)       ; reverse: p = head, prev = 0
        li      r5, 0
reverse:
        beqz    r2, reversed
        ld      r6, 0(r2)       ; next = p->next
        st      r5, 0(r2)       ; p->next = prev
        mov     r5, r2
        mov     r2, r6
        b       reverse
reversed:
        st      r5, 0(r9)       ; head = prev
        li      r7, 0           ; hash = hash * 31 + value, along the list
hash:
        beqz    r5, hashed
        ld      r4, 1(r5)
        shli    r8, r7, 5
        sub     r7, r8, r7
        add     r7, r7, r4
        ld      r5, 0(r5)
        b       hash
hashed:
        add     r1, r7, r3
        ret

; matrix_work: -> r1 = sum of C = A x B; then A += 1
matrix_work:
        push    r10
        push    r11
        la      r9, mat_a
        li      r8, MN
        li      r7, 0           ; sum
        li      r1, 0           ; i
mat_i:
        li      r2, 0           ; j
mat_j:
        mul     r3, r1, r8
        add     r3, r9, r3      ; &A[i][0]
        add     r4, r9, r2
        addi    r4, r4, MN * MN ; &B[0][j]
        li      r5, 0           ; dot
        li      r6, MN
mat_k:
        ld      r10, 0(r3)
        ld      r11, 0(r4)
        mul     r10, r10, r11
        add     r5, r5, r10
        addi    r3, r3, 1
        add     r4, r4, r8
        addi    r6, r6, -1
        bnez    r6, mat_k
        mul     r10, r1, r8
        add     r10, r10, r2
        add     r10, r9, r10
        st      r5, 2 * MN * MN(r10) ; C[i][j] = dot
        add     r7, r7, r5
        addi    r2, r2, 1
        blt     r2, r8, mat_j
        addi    r1, r1, 1
        blt     r1, r8, mat_i
        li      r1, 0           ; A += 1
        mul     r2, r8, r8
mat_inc:
        add     r3, r9, r1
        ld      r4, 0(r3)
        addi    r4, r4, 1
        st      r4, 0(r3)
        addi    r1, r1, 1
        blt     r1, r2, mat_inc
        mov     r1, r7
        pop     r11
        pop     r10
        ret

; state_work: -> r1 = sum over states s of count[s] * (2s + 1)
; States: 0 start, 1 integer, 2 fraction, 3 exponent mark, 4 exponent, 5 invalid.
state_work:
        push    r13
        la      r9, counts
        st      r0, 0(r9)
        st      r0, 1(r9)
        st      r0, 2(r9)
        st      r0, 3(r9)
        st      r0, 4(r9)
        st      r0, 5(r9)
        la      r1, text        ; p
        addi    r8, r1, SN      ; end
        li      r13, 10         ; digits are c - '0' < 10 (unsigned)
        li      r3, 0           ; state
st_scan:
        ld      r5, 0(r1)
        addi    r1, r1, 1
        addi    r7, r5, -','
        beqz    r7, st_comma
        addi    r7, r5, -'0'
        sltu    r7, r7, r13
        beqz    r3, st_start
        addi    r6, r3, -1
        beqz    r6, st_int
        addi    r6, r3, -2
        beqz    r6, st_frac
        addi    r6, r3, -3
        beqz    r6, st_mark
        addi    r6, r3, -4
        beqz    r6, st_exp
        b       st_next
st_start:
        bnez    r7, st_to_int
        addi    r6, r5, -'-'
        beqz    r6, st_to_int
        addi    r6, r5, -'.'
        beqz    r6, st_to_frac
        b       st_to_bad
st_int:
        bnez    r7, st_next
        addi    r6, r5, -'.'
        beqz    r6, st_to_frac
        addi    r6, r5, -'e'
        beqz    r6, st_to_mark
        b       st_to_bad
st_frac:
        bnez    r7, st_next
        addi    r6, r5, -'e'
        beqz    r6, st_to_mark
        b       st_to_bad
st_mark:
        bnez    r7, st_to_exp
        addi    r6, r5, -'-'
        beqz    r6, st_to_exp
        b       st_to_bad
st_exp:
        bnez    r7, st_next
        b       st_to_bad
st_to_int:
        li      r3, 1
        b       st_next
st_to_frac:
        li      r3, 2
        b       st_next
st_to_mark:
        li      r3, 3
        b       st_next
st_to_exp:
        li      r3, 4
        b       st_next
st_to_bad:
        li      r3, 5
        b       st_next
st_comma:
        add     r6, r9, r3
        ld      r7, 0(r6)
        addi    r7, r7, 1
        st      r7, 0(r6)
        li      r3, 0
st_next:
        bne     r1, r8, st_scan
        li      r1, 0           ; weigh the counts
        li      r2, 0
        li      r4, 6
st_sum:
        add     r6, r9, r2
        ld      r7, 0(r6)
        shli    r5, r2, 1
        addi    r5, r5, 1
        mul     r7, r7, r5
        add     r1, r1, r7
        addi    r2, r2, 1
        bne     r2, r4, st_sum
        pop     r13
        ret

; crc32: r1 = value, r2 = crc -> r1 = the crc of value's four bytes, low first
crc32:
        li      r3, 4
        li      r9, 0xA001
crc_byte:
        andi    r4, r1, 255
        xor     r2, r2, r4
        shri    r1, r1, 8
        li      r5, 8
crc_bit:
        andi    r6, r2, 1
        shri    r2, r2, 1
        beqz    r6, crc_next
        xor     r2, r2, r9
crc_next:
        addi    r5, r5, -1
        bnez    r5, crc_bit
        addi    r3, r3, -1
        bnez    r3, crc_byte
        mov     r1, r2
        ret

chars:  .word   '0', '1', '5', '9', '.', 'e', '-', ','
counts: .space  6
head:   .word   0
nodes:  .space  LN * 2
mat_a:  .space  MN * MN
mat_b:  .space  MN * MN
mat_c:  .space  MN * MN
text:   .space  SN
        .space  64
stack_top:
