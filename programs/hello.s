; hello.s — the smallest useful PG32 program.
;
; Shows:
;   - a .string (one character per word, then a 0 word)
;   - la (load the address of a label) and ld with a register base
;   - a loop that stops at the 0 terminator (beqz) and goes back (b)
;   - out to port 0 (console out: the low 8 bits as one byte)
;   - halt, which ends the run normally
;
; The machine starts in supervisor mode, so `out` and `halt` (both
; privileged) are allowed. Run it:  trapeze run programs/hello.s

start:
        la      r1, msg         ; r1 = address of the first character
loop:
        ld      r2, 0(r1)       ; r2 = the character at r1
        beqz    r2, done        ; 0 word: end of the string
        out     r2, 0           ; write one byte to the console
        addi    r1, r1, 1       ; next word (the machine is word-addressed)
        b       loop
done:
        halt

msg:    .string "Hello, world!\n"
