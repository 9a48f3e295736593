; traps.s — installing a trap handler and catching every kind of trap.
;
; Shows:
;   - the trap sequence (ISA.md "Traps and interrupts"): the hardware stores
;     the old PSW (flags, pc, base, bound) at physical 0..3, the cause at 4,
;     the info at 5, then loads the new PSW from physical 8..11
;   - installing a handler by storing a new PSW at 8..11 (supervisor mode,
;     base 0, bound = all of storage, pc = handler)
;   - which pc each cause saves: the trapping instruction itself (PRIV,
;     ILLEGAL, MEMORY, ARITH: "a trapping instruction has no other effect")
;     or the next one (SVC)
;   - returning from a trap with `lpsw r0`: r0 reads 0, so this loads the
;     old PSW saved at 0..3 and resumes the interrupted program, in the mode
;     and with the relocation it had. To skip a faulting instruction the
;     handler adds 1 to the saved pc first.
;   - entering user mode with lpsw, and a user program with a bound: PRIV
;     (a privileged instruction in user mode) and MEMORY (an address >= bound)
;   - printing a word in hexadecimal (shifts and masks)
;
; Before each trapping instruction the program stores that instruction's
; address in `expect`, so the handler can say which pc the hardware saved.

        .equ    OLD_FLAGS, 0
        .equ    OLD_PC, 1
        .equ    CAUSE, 4
        .equ    INFO, 5
        .equ    NEW_PSW, 8
        .equ    SVC, 4

start:
        ; --- install the handler: new PSW = (S, handler, base 0, bound) ---
        li      r1, 1                   ; flags: S = 1 (supervisor), IE = 0
        st      r1, NEW_PSW(r0)
        la      r1, handler
        st      r1, NEW_PSW+1(r0)
        st      r0, NEW_PSW+2(r0)       ; base 0: the handler sees physical storage
        li      r1, 0x100000            ; bound: 1M words (relocation also stops at memWords)
        st      r1, NEW_PSW+3(r0)

        ; --- supervisor mode: SVC, ARITH, ILLEGAL ---
        la      r1, t_svc
        st      r1, expect(r0)
t_svc:  svc     42                      ; SVC, info 42, saved pc = next instruction

        li      r1, 99
        li      r2, 7
        la      r3, t_div
        st      r3, expect(r0)
t_div:  div     r1, r2, r0              ; ARITH: division by zero
        la      r2, s_r1                ; r1 is still 99: the div had no effect
        call    puts_r2
        out     r1, 2
        call    newline

        la      r1, t_ill
        st      r1, expect(r0)
t_ill:  .word   0                       ; ILLEGAL: opcode 0 is never assigned

        ; --- user mode: PRIV, MEMORY, SVC from user mode ---
        la      r1, user_psw
        lpsw    r1                      ; flags 0 (user), pc user_code, base 0, bound user_end
        ; (never falls through: lpsw loaded a new pc)

user_back:                              ; the handler comes here on svc 0 from user mode
        la      r2, s_back
        call    puts_r2
        halt

; ----------------------------------------------------------------------
; The handler. It runs in supervisor mode with base 0, so low storage and
; every label are at their physical addresses (absolute operands such as
; save(r0) work). It saves the registers it uses and restores them before
; resuming, so the interrupted program sees no change except what the trap
; itself means.
handler:
        st      r1, save+0(r0)
        st      r2, save+1(r0)
        st      r3, save+2(r0)
        st      r4, save+3(r0)
        st      lr, save+4(r0)

        la      r2, s_trap              ; "trap NAME"
        call    puts_r2
        ld      r1, CAUSE(r0)
        ld      r2, names(r1)           ; names[cause] = address of its name
        call    puts_r2
        la      r2, s_info              ; ", info "
        call    puts_r2
        ld      r1, INFO(r0)
        call    puthex

        ld      r1, OLD_PC(r0)          ; which pc did the hardware save?
        ld      r3, expect(r0)
        la      r2, s_at                ; "= the instruction"
        beq     r1, r3, say_pc
        addi    r3, r3, 1
        la      r2, s_after             ; "= the next instruction"
        beq     r1, r3, say_pc
        la      r2, s_other             ; (never happens)
say_pc:
        call    puts_r2

        ld      r1, OLD_FLAGS(r0)
        andi    r1, r1, 1
        la      r2, s_user
        beqz    r1, say_mode
        la      r2, s_super
say_mode:
        call    puts_r2

        ; Decide how to resume.
        ld      r1, CAUSE(r0)
        li      r3, SVC
        bne     r1, r3, skip            ; a fault: skip the faulting instruction
        ld      r1, INFO(r0)
        bnez    r1, resume              ; svc n (n != 0): resume after it
        la      r1, user_back           ; svc 0: the user program is finished
        jr      r1                      ; (stay in supervisor mode, go on there)
skip:
        ld      r1, OLD_PC(r0)
        addi    r1, r1, 1
        st      r1, OLD_PC(r0)
resume:
        ld      r1, save+0(r0)
        ld      r2, save+1(r0)
        ld      r3, save+2(r0)
        ld      r4, save+3(r0)
        ld      lr, save+4(r0)
        lpsw    r0                      ; PSW <- E[0..3]: back to the program

; puts_r2: print the string at r2. Clobbers r2, r4.
puts_r2:
        ld      r4, 0(r2)
        beqz    r4, puts_end
        out     r4, 0
        addi    r2, r2, 1
        b       puts_r2
puts_end:
        ret

; puthex: print r1 as 0x followed by 8 hex digits. Clobbers r2..r4.
puthex:
        li      r4, '0'
        out     r4, 0
        li      r4, 'x'
        out     r4, 0
        li      r2, 28                  ; shift for the top nibble
hex_loop:
        shr     r3, r1, r2
        andi    r3, r3, 0xF
        slti    r4, r3, 10
        beqz    r4, hex_letter
        addi    r3, r3, '0'
        b       hex_out
hex_letter:
        addi    r3, r3, 'a' - 10
hex_out:
        out     r3, 0
        addi    r2, r2, -4
        bge     r2, r0, hex_loop
        ret

newline:
        li      r4, '\n'
        out     r4, 0
        ret

; Data the user program may touch must lie below its bound (user_end).
expect: .word   0                       ; address of the instruction about to trap
save:   .space  5                       ; the handler's register save area

; ----------------------------------------------------------------------
; The user program: runs with flags 0 (user mode), base 0, bound user_end.
user_code:
        la      r1, t_priv
        st      r1, expect(r0)
t_priv: halt                            ; PRIV: halt is privileged

        la      r1, t_out
        st      r1, expect(r0)
t_out:  out     r1, 0                   ; PRIV: so is every I/O instruction

        li      r2, 0x5000              ; far beyond the bound
        la      r1, t_mem
        st      r1, expect(r0)
t_mem:  ld      r1, 0(r2)               ; MEMORY: address 0x5000 >= bound

        la      r1, t_lpsw
        st      r1, expect(r0)
t_lpsw: lpsw    r2                      ; PRIV, not MEMORY: privilege is checked first

        la      r1, t_svc7
        st      r1, expect(r0)
t_svc7: svc     7                       ; SVC from user mode

        la      r1, t_svc0
        st      r1, expect(r0)
t_svc0: svc     0                       ; "done": the handler goes on at user_back
user_end:

; ----------------------------------------------------------------------
; Read-only data, used only in supervisor mode (it may lie above user_end).
user_psw: .word 0, user_code, 0, user_end

names:  .word   n0, n1, n2, n3, n4, n5, n6
n0:     .string "?"
n1:     .string "PRIV"
n2:     .string "ILLEGAL"
n3:     .string "MEMORY"
n4:     .string "SVC"
n5:     .string "TIMER"
n6:     .string "ARITH"
s_trap:  .string "trap "
s_info:  .string ", info "
s_at:    .string ", saved pc = the instruction"
s_after: .string ", saved pc = the next instruction"
s_other: .string ", saved pc = somewhere unexpected"
s_user:  .string ", from user mode\n"
s_super: .string ", from supervisor mode\n"
s_r1:    .string "after the ARITH trap r1 is still "
s_back:  .string "svc 0 from user mode: back in supervisor mode, halting\n"
