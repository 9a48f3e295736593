; echo.s — copy console input to console output, byte by byte.
;
; Shows:
;   - in from port 1: the next input byte (0..255), or -1 at end of input
;   - out to port 0: one byte
;   - testing for -1 with a register holding -1 (beq), since the bytes
;     themselves are 0..255
;
; Multi-byte UTF-8 characters pass through unchanged: each byte is read and
; written on its own. Try:  trapeze run programs/echo.s --input programs/echo.input
; or type into it:          trapeze run programs/echo.s

start:
        li      r2, -1          ; end-of-input marker
loop:
        in      r1, 1           ; next byte, or -1
        beq     r1, r2, done
        out     r1, 0
        b       loop
done:
        halt
