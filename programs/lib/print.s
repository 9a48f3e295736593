; print.s — console output for programs that run in supervisor mode on the
; bare machine (.include "../lib/print.s"; it uses itoa.s, include that too).
;
;   print_str   r1 = address of a 0-terminated string (one character per word)
;   print_dec   r1 = a signed value, in decimal
;   print_hex   r1 = a value, as 0x and 8 hex digits
;   print_nl    a newline
; They clobber r1..r6 and use 12 words of stack for the digits (sp must
; point at a stack).

print_str:
        ld      r2, 0(r1)
        beqz    r2, print_str_end
        out     r2, 0
        addi    r1, r1, 1
        b       print_str
print_str_end:
        ret

print_dec:
        addi    sp, sp, -12             ; room for "-2147483648" and its 0
        mov     r6, lr
        mov     r2, sp
        call    itoa
        mov     r1, sp
        call    print_str
        addi    sp, sp, 12
        jr      r6

print_hex:
        addi    sp, sp, -12             ; "0x" + 8 digits + 0
        mov     r6, lr
        mov     r2, sp
        call    htoa
        mov     r1, sp
        call    print_str
        addi    sp, sp, 12
        jr      r6

print_nl:
        li      r2, '\n'
        out     r2, 0
        ret
