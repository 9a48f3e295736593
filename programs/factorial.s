; factorial.s — recursive factorial, using the stack.
;
; Shows:
;   - setting up a stack: sp (= r15) points at the top of a .space area;
;     the stack is full-descending (push decrements sp, then stores)
;   - call (jal lr, label) and ret (jr lr)
;   - a recursive routine that saves lr and its argument with push/pop
;     around the recursive call, because call overwrites lr
;   - the calling convention used here: argument and result in r1
;
; Prints n! for n = 0..12 (13! no longer fits in 32 bits).

        .equ    LAST, 12

start:
        la      sp, stack_top   ; empty stack: sp points just past the area
        li      r8, 0           ; n
main_loop:
        mov     r1, r8
        call    fact            ; r1 = n!
        out     r8, 2
        li      r2, '!'
        out     r2, 0
        li      r2, ' '
        out     r2, 0
        li      r2, '='
        out     r2, 0
        li      r2, ' '
        out     r2, 0
        out     r1, 2
        li      r2, '\n'
        out     r2, 0
        addi    r8, r8, 1
        slti    r2, r8, LAST + 1
        bnez    r2, main_loop
        halt

; fact: r1 = r1! (r1 >= 0). Clobbers r2.
fact:
        slti    r2, r1, 2       ; n < 2 ?
        beqz    r2, fact_rec
        li      r1, 1           ; 0! = 1! = 1
        ret
fact_rec:
        push    lr              ; the recursive call overwrites lr
        push    r1              ; ... and r1: keep n
        addi    r1, r1, -1
        call    fact            ; r1 = (n - 1)!
        pop     r2              ; r2 = n
        pop     lr
        mul     r1, r1, r2      ; n! = n * (n - 1)!
        ret

stack:  .space  64              ; 2 words per level: plenty for 12 levels
stack_top:
