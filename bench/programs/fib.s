; fib.s — recursive Fibonacci: fib(N), every call a real call with a stack
; frame (push/pop of lr and the argument). Result: r2 = fib(N) mod 2^32.

        .equ    N, 30

start:
        la      sp, stack_top
        li      r1, N
        li      r3, 0
        call    fib             ; r1 = fib(N)
        mov     r2, r1
        halt

; fib: r1 = n -> r1 = fib(n). Clobbers r3.
fib:
        slti    r3, r1, 2
        bnez    r3, fib_ret     ; n < 2: fib(n) = n
        push    lr
        push    r1              ; keep n
        addi    r1, r1, -1
        call    fib             ; r1 = fib(n - 1)
        pop     r3              ; r3 = n
        push    r1              ; keep fib(n - 1)
        addi    r1, r3, -2
        call    fib             ; r1 = fib(n - 2)
        pop     r3              ; r3 = fib(n - 1)
        add     r1, r1, r3
        pop     lr
fib_ret:
        ret

        .space  256
stack_top:
