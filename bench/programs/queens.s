; queens.s — the N-queens problem by recursive backtracking over bit masks
; (columns and both diagonals), every placement a real call with a stack
; frame. Prints the number of solutions. Twin: queens.js.
; Held out: not one of the tuned kernels; the `cli` suite runs it.

        .equ    N, 12

start:
        la      sp, stack_top
        li      r9, 1
        shli    r9, r9, N
        addi    r9, r9, -1      ; every column taken: a solution
        li      r1, 0
        li      r2, 0
        li      r3, 0
        call    solve
        out     r4, 2
        li      r1, 10
        out     r1, 0
        halt

; solve: r1 = columns taken, r2 = left diagonals, r3 = right diagonals
; -> r4 = solutions below. Clobbers r1-r6; frame: lr, r1, r2, r3, avail, count.
solve:
        beq     r1, r9, found
        or      r5, r1, r2
        or      r5, r5, r3
        and     r5, r5, r9
        xor     r5, r5, r9      ; avail: the free squares of this row
        li      r4, 0
        beqz    r5, leaf
        addi    sp, sp, -6
        st      lr, 0(sp)
        st      r1, 1(sp)
        st      r2, 2(sp)
        st      r3, 3(sp)
        st      r4, 5(sp)
place:
        sub     r6, r0, r5
        and     r6, r5, r6      ; bit = avail & -avail
        sub     r5, r5, r6
        st      r5, 4(sp)
        ld      r1, 1(sp)
        ld      r2, 2(sp)
        ld      r3, 3(sp)
        or      r1, r1, r6
        or      r2, r2, r6
        shli    r2, r2, 1
        or      r3, r3, r6
        shri    r3, r3, 1
        call    solve
        ld      r5, 5(sp)
        add     r5, r5, r4
        st      r5, 5(sp)
        ld      r5, 4(sp)
        bnez    r5, place
        ld      r4, 5(sp)
        ld      lr, 0(sp)
        addi    sp, sp, 6
leaf:
        ret
found:
        li      r4, 1
        ret

        .space  256
stack_top:
