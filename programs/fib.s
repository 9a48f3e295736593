; fib.s — the first N Fibonacci numbers, iteratively.
;
; Shows:
;   - .equ for a named constant (N), usable anywhere an expression is
;   - a counted loop with two running values (a, b) -> (b, a + b)
;   - printing numbers with port 2 (decimal) and separators with port 0
;
; Output: one line, the numbers separated by spaces.

        .equ    N, 20           ; how many numbers to print

start:
        li      r1, 0           ; a = F(0)
        li      r2, 1           ; b = F(1)
        li      r3, N           ; count down from N
        li      r5, ' '
loop:
        out     r1, 2           ; print a in decimal
        addi    r3, r3, -1
        beqz    r3, done        ; no separator after the last one
        out     r5, 0
        add     r4, r1, r2      ; next = a + b
        mov     r1, r2          ; a = b
        mov     r2, r4          ; b = next
        b       loop
done:
        li      r5, '\n'
        out     r5, 0
        halt
