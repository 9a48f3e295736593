; core.s — the part of a PG32 monitor that does not depend on what runs it.
;
; Popek & Goldberg's monitor has three parts. Two of them are here:
;
;   the dispatcher     `dispatch`: entered with every trap of a guest; one
;                      case per cause: emulate, reflect, or stop the guest
;   the interpreters   `em_lpsw` … `em_halt`: one routine per privileged
;                      instruction, acting on the guest's virtual PSW, timer
;                      and console exactly as the hardware acts on the real
;                      ones
;
; The third, the allocator (the only code that loads real relocation), and
; the way a guest is run deprivileged until it traps, belong to the layer
; below, so they are in the file that includes this one:
;
;   type1.s   on the bare machine: lpsw into the guest, the trap vector back
;   type2.s   as a user task of the mini kernel: its run-guest service
;
; That file provides:
;   gregs        16 words: the current guest's r0..r15 (gregs+0 stays 0)
;   plat_name    the monitor's name, for its own messages ("type1")
;   plat_line    r1 = a line (one byte per word), r2 = its length: write it
;                to the console (a guest may write 0 bytes: no terminator)
;   plat_getc    r1 <- the next console input byte, or -1
;   plat_run     run the guest at r10 until it traps (the allocator composes
;                its real relocation first); comes back through `dispatch`
;   plat_slice   a guest is switched in: its time slice starts
;   plat_done    every guest has stopped: end the monitor
; and it includes ../lib/itoa.s and ../lib/boot.s.
;
; Register conventions: r10 = the current guest's VCB, everywhere in the
; monitor; r8 = the trap's info while dispatching; subroutines may clobber
; r1..r7 and preserve r8..r13; sp is the monitor's stack.

        ; trap causes (ISA.md "Traps and interrupts")
        .equ    PRIV, 1
        .equ    ILLEGAL, 2
        .equ    MEMORY, 3
        .equ    SVC, 4
        .equ    TIMER, 5
        .equ    ARITH, 6
        ; PSW flag bits
        .equ    F_S, 1
        .equ    F_IE, 2
        ; instruction fields (isa/MACHINE.md "Encoding": op[31:24] a[23:20] b[19:16] imm16[15:0])
        .equ    OP_SHIFT, 24
        .equ    A_SHIFT, 20
        .equ    B_SHIFT, 16
        ; hypercalls: svc 0xFF00 + n from virtual supervisor mode (ISA.md)
        .equ    HCALL_BASE, 0xFF00
        .equ    HCALLS, 10

        .equ    MAXG, 8                 ; guests at most
        .equ    LINE_MAX, 256           ; a guest's console line, at most (longer ones are broken)
        .equ    QUANTUM, 2000           ; guest steps (instructions and traps) per time slice

        ; The virtual CPU of a guest: its control block (VCB), V_SIZE words.
        .equ    V_STATE, 0              ; 1 running, 2 halted, 3 check-stopped
        .equ    V_REGS, 0               ; +1..+15: r1..r15 while it is not the current guest
        .equ    V_FLAGS, 16             ; the virtual PSW: flags (S, IE), pc, base, bound
        .equ    V_PC, 17
        .equ    V_BASE, 18
        .equ    V_BOUND, 19
        .equ    V_TIMER, 20             ; the virtual TIMER (0 = off)
        .equ    V_PEND, 21              ; a virtual timer interrupt is pending
        .equ    V_AFTER, 22             ; a trap was just reflected: its handler's first fetch is checked
        .equ    V_PORG, 23              ; its partition: where its storage starts, in ours
        .equ    V_PSIZE, 24             ; and how many words it has
        .equ    V_NAME, 25              ; address of its name (in the boot table)
        .equ    V_LEN, 26               ; characters waiting in its console line
        .equ    V_LBUF, 27              ; address of that line buffer
        .equ    V_EMU, 28               ; instructions emulated for it
        .equ    V_REFL, 29              ; traps reflected into it
        .equ    V_HCALL, 30             ; hypercalls served
        .equ    V_SIZE, 32

        .equ    RUNNING, 1
        .equ    HALTED, 2
        .equ    STOPPED, 3

; ===========================================================================
; Boot: find the guests, give each a VCB, and start the first.
;
; Why: the loader (trapeze … --load, or the monitor this one runs under) left a
; boot table; each program of this level in it becomes a guest, in the
; reset state of a bare machine whose storage is its partition.
; Preserves: nothing (it runs once, before any guest).
core_boot:
        la      r1, templates           ; the dispatch table: opcode -> routine,
        la      r2, routines            ; with the opcodes read from assembled
        li      r3, NROUTINES           ; instructions (isa/pg32.ts is the only
core_boot_op:                           ; place that numbers them)
        ld      r4, 0(r1)
        shri    r4, r4, OP_SHIFT
        ld      r5, 0(r2)
        st      r5, optable(r4)
        addi    r1, r1, 1
        addi    r2, r2, 1
        addi    r3, r3, -1
        bnez    r3, core_boot_op

        call    boot_table
        beqz    r1, core_boot_none
        mov     r8, r1                  ; r8 = the table
        ld      r9, BT_COUNT(r8)        ; r9 = entries left
        addi    r11, r8, BT_FIRST       ; r11 = this entry
        la      r10, vcbs               ; r10 = the next free VCB
        li      r12, 0                  ; r12 = guests so far
core_boot_entry:
        beqz    r9, core_boot_go
        mov     r1, r8
        mov     r2, r11
        call    boot_top
        beqz    r1, core_boot_next      ; inside another's partition: that one's guest
        li      r1, MAXG
        beq     r12, r1, core_boot_full
        call    vcb_init
        mov     r1, r8
        mov     r2, r11
        call    boot_nest               ; its own guests' table, if it has any
        call    msg_guest               ; "type1: hello: 16384 words at 0x00004000"
        ld      r1, V_PSIZE(r10)
        call    ob_dec
        la      r1, m_words_at
        call    ob_str
        ld      r1, V_PORG(r10)
        call    ob_hex
        call    ob_line
        addi    r10, r10, V_SIZE
        addi    r12, r12, 1
core_boot_next:
        addi    r11, r11, BT_ENTRY
        addi    r9, r9, -1
        b       core_boot_entry
core_boot_full:
        call    msg_start               ; "type1: more than 8 guests; the rest are not started"
        la      r1, m_full
        call    ob_str
        call    ob_line
core_boot_go:
        st      r10, vcb_end(r0)
        st      r12, nguests(r0)
        beqz    r12, core_boot_none
        addi    r10, r10, -V_SIZE       ; "the current guest" is the last, so the first runs first
        st      r10, cur(r0)
        b       schedule
core_boot_none:
        call    msg_start
        la      r1, m_none
        call    ob_str
        call    ob_line
        b       plat_done

; vcb_init: the VCB at r10 for the boot-table entry at r11 (guest number r12):
; a bare machine's reset state (supervisor, IE off, base 0, bound = its
; storage, timer off, registers 0) with pc at its entry point.
vcb_init:
        push    lr
        li      r1, RUNNING
        st      r1, V_STATE(r10)
        li      r1, 1                   ; registers 0 (the VCB area starts zeroed,
vcb_init_reg:                           ; but say it)
        add     r2, r10, r1
        st      r0, 0(r2)
        addi    r1, r1, 1
        slti    r2, r1, 16
        bnez    r2, vcb_init_reg
        li      r1, F_S
        st      r1, V_FLAGS(r10)
        ld      r1, BE_START(r11)
        ld      r2, BE_ORIGIN(r11)
        sub     r1, r1, r2
        st      r1, V_PC(r10)
        st      r0, V_BASE(r10)
        ld      r1, BE_PART(r11)
        st      r1, V_BOUND(r10)
        st      r1, V_PSIZE(r10)
        st      r2, V_PORG(r10)
        st      r0, V_TIMER(r10)
        st      r0, V_PEND(r10)
        st      r0, V_AFTER(r10)
        addi    r1, r11, BE_NAME
        st      r1, V_NAME(r10)
        st      r0, V_LEN(r10)
        li      r1, LINE_MAX
        mul     r1, r1, r12
        la      r2, lbufs
        add     r1, r1, r2
        st      r1, V_LBUF(r10)
        st      r0, V_EMU(r10)
        st      r0, V_REFL(r10)
        st      r0, V_HCALL(r10)
        pop     lr
        ret

; ===========================================================================
; The dispatcher. The guest at r10 trapped: r1 = cause, r2 = info, and
; V_PC already holds the pc the hardware saved (the trapping instruction,
; or the next one for SVC). Like lguest's run loop, one case per cause.
;
; Why: a guest runs deprivileged, in real user mode; every sensitive thing
; it does arrives here. The guest must not be able to tell: what it would
; have seen on the bare machine is what it sees.
; Preserves: the guest's registers (in gregs) except where the emulated
; instruction writes one.
dispatch:
        mov     r8, r2                  ; r8 = info for the routines below
        ld      r3, sliceleft(r0)       ; a trap is a step of the time slice
        addi    r3, r3, -1
        st      r3, sliceleft(r0)
        ld      r9, V_FLAGS(r10)
        andi    r9, r9, F_S             ; r9 = 1 in virtual supervisor mode
        li      r3, PRIV
        beq     r1, r3, on_priv
        li      r3, SVC
        beq     r1, r3, on_svc
        li      r3, ILLEGAL
        beq     r1, r3, on_reflect
        li      r3, MEMORY
        beq     r1, r3, on_reflect
        li      r3, ARITH
        beq     r1, r3, on_reflect
        b       internal_error          ; (TIMER is the layer below's own)

on_priv:
        ; A privileged instruction in real user mode. The guest's kernel may
        ; do it (we emulate it); the guest's user program may not (its own
        ; kernel gets the PRIV trap, as on the bare machine).
        beqz    r9, on_reflect
        shri    r3, r8, OP_SHIFT
        ld      r3, optable(r3)
        beqz    r3, on_reflect          ; not one of ours (cannot happen on pg32)
        jr      r3

on_svc:
        ; svc n: the guest's own kernel handles it, unless it is a hypercall
        ; (n >= 0xFF00 from virtual supervisor mode).
        beqz    r9, on_reflect
        li      r3, HCALL_BASE
        bgeu    r8, r3, hypercall

on_reflect:
        ; SVC, ILLEGAL, MEMORY (the composed relocation faults exactly where
        ; the guest's own would, with the same virtual address), ARITH, and
        ; PRIV from virtual user mode: what the guest's hardware would have
        ; done is a trap into the guest.
        ld      r3, V_PC(r10)
        call    reflect
        b       resume

; ===========================================================================
; The interpreter routines: one per privileged instruction, entered only
; from on_priv, only in virtual supervisor mode, with r8 = the instruction
; word. Each does to the virtual machine what the hardware does to the real
; one, then goes to `emulated_next` (pc + 1, and the virtual timer counts
; the instruction), `emulated` (pc already set), or reflects a trap.

; lpsw rs — PSW <- the four words at virtual R[rs]..R[rs]+3.
; Why: the guest's kernel switches mode, pc and relocation in one step; the
; next real run composes the new relocation with the partition.
; Must preserve: all four addresses are checked before any is read, and a
; failure is a MEMORY trap at the lpsw (info = the first failing address).
em_lpsw:
        call    operand_psw             ; r1 = where the four words are, in our storage
        blt     r1, r0, em_psw_fault
        ld      r3, 0(r1)
        andi    r3, r3, F_S + F_IE      ; flags keep bits 0..1 only
        st      r3, V_FLAGS(r10)
        ld      r3, 1(r1)
        st      r3, V_PC(r10)
        ld      r3, 2(r1)
        st      r3, V_BASE(r10)
        ld      r3, 3(r1)
        st      r3, V_BOUND(r10)
        b       emulated
em_psw_fault:                           ; r2 = the first failing virtual address
        li      r1, MEMORY
        mov     r8, r2
        b       on_reflect

; spsw rs — the four words at virtual R[rs].. <- the virtual PSW, pc = next.
; Why: the guest's kernel reads its own mode and relocation; it must see the
; virtual ones (the real PSW says "user mode, base = partition + base").
; Must preserve: the same address checks as lpsw.
em_spsw:
        call    operand_psw
        blt     r1, r0, em_psw_fault
        ld      r3, V_FLAGS(r10)
        st      r3, 0(r1)
        ld      r3, V_PC(r10)
        addi    r3, r3, 1
        st      r3, 1(r1)
        st      r3, V_PC(r10)
        ld      r3, V_BASE(r10)
        st      r3, 2(r1)
        ld      r3, V_BOUND(r10)
        st      r3, 3(r1)
        b       emulated

; stimer rs — the virtual TIMER <- R[rs]; a pending virtual interrupt is
; cleared. Why: the timer is a resource; each guest has its own, counting
; only its own instructions. Must preserve: stimer is not itself counted.
em_stimer:
        shri    r3, r8, B_SHIFT
        andi    r3, r3, 15
        ld      r1, gregs(r3)
        st      r1, V_TIMER(r10)
        st      r0, V_PEND(r10)
        ld      r3, V_PC(r10)
        addi    r3, r3, 1
        st      r3, V_PC(r10)
        ld      r3, V_EMU(r10)
        addi    r3, r3, 1
        st      r3, V_EMU(r10)
        b       resume                  ; (no tick)

; in rd, port — rd <- the guest's device. Port 1 is console input (the
; monitor's own, passed through); every other port reads -1, as ISA.md says
; of ports 0 and 2 and of ports that do not exist.
em_in:
        andi    r3, r8, 0xFFFF
        li      r1, -1
        li      r4, 1
        bne     r3, r4, em_in_put
        call    plat_getc
em_in_put:
        shri    r3, r8, A_SHIFT
        andi    r3, r3, 15
        beqz    r3, emulated_next       ; r0 ignores writes
        st      r1, gregs(r3)
        b       emulated_next

; out rs, port — port 0: a byte to the guest's console line; port 2: the
; value in decimal; other ports ignore writes. Why: the console is shared,
; so each guest's lines come out whole, prefixed with its name.
em_out:
        shri    r3, r8, B_SHIFT
        andi    r3, r3, 15
        ld      r1, gregs(r3)
        andi    r3, r8, 0xFFFF
        bnez    r3, em_out_port2
        call    con_putc
        b       emulated_next
em_out_port2:
        li      r4, 2
        bne     r3, r4, emulated_next
        call    con_putdec
        b       emulated_next

; halt — the guest stops; the others go on. It completes (and is counted)
; as on the bare machine.
em_halt:
        call    advance_pc
        call    count_emulated
        b       guest_halted

; The end of an emulated instruction: pc + 1 (emulated_next), then count it
; for the virtual timer, as the hardware counts every completed instruction.
emulated_next:
        call    advance_pc
emulated:
        call    count_emulated
        b       resume

; advance_pc: the guest's pc past the instruction just emulated (the real
; pc never moved: the instruction trapped). Clobbers r3.
advance_pc:
        ld      r3, V_PC(r10)
        addi    r3, r3, 1
        st      r3, V_PC(r10)
        ret

; count_emulated: one more emulated instruction in the guest's statistics
; (type1.s prints them when the guest stops); then `tick`. Clobbers r3.
count_emulated:
        ld      r3, V_EMU(r10)
        addi    r3, r3, 1
        st      r3, V_EMU(r10)
        ; fall through: the instruction completed, so the virtual timer counts it

; tick: one guest instruction completed: TIMER counts down while it is
; running; reaching 0 makes the interrupt pending (taken before the next
; instruction once the guest's IE is on). Clobbers r3.
tick:
        ld      r3, V_TIMER(r10)
        beqz    r3, tick_end
        addi    r3, r3, -1
        st      r3, V_TIMER(r10)
        bnez    r3, tick_end
        li      r3, 1
        st      r3, V_PEND(r10)
tick_end:
        ret

; operand_psw: for lpsw/spsw with word r8: r1 <- the address (in our
; storage) of the guest's virtual R[rs]..R[rs]+3, or r1 = -1 and r2 = the
; first of those addresses its relocation refuses. Clobbers r1..r7.
operand_psw:
        mov     r7, lr
        shri    r3, r8, B_SHIFT
        andi    r3, r3, 15
        ld      r1, gregs(r3)           ; the virtual address
        call    vlimit
        bgeu    r1, r3, operand_bad
        addi    r4, r1, 3
        bgeu    r4, r3, operand_bad_end
        ld      r4, V_PORG(r10)         ; partition + virtual base + address
        add     r1, r1, r4
        ld      r4, V_BASE(r10)
        add     r1, r1, r4
        jr      r7
operand_bad:
        mov     r2, r1
        li      r1, -1
        jr      r7
operand_bad_end:                        ; the first failing one is the limit itself
        mov     r2, r3
        li      r1, -1
        jr      r7

; vlimit: r3 <- how far the guest's current relocation reaches: virtual
; addresses below it are valid (a < bound and base + a < its storage).
; Clobbers r3, r4 only.
vlimit:
        ld      r3, V_PSIZE(r10)
        ld      r4, V_BASE(r10)
        bgeu    r4, r3, vlimit_none
        sub     r3, r3, r4              ; the room above base
        ld      r4, V_BOUND(r10)
        bgeu    r4, r3, vlimit_end
        mov     r3, r4
vlimit_end:
        ret
vlimit_none:
        li      r3, 0
        ret

; ===========================================================================
; reflect: r1 = cause, r2 = info, r3 = the old pc. The trap sequence, done
; to the guest exactly as the hardware does it, through the guest's own low
; storage: the old (virtual) PSW, cause and info to its words 0..5, the new
; PSW from its words 8..11.
; Why: the guest's own kernel handles its SVCs, faults and timer.
; Must preserve: a new PSW with bound 0 means no handler was installed:
; the guest check-stops (this does not return then). After a reflected
; trap, the handler's first fetch is checked (V_AFTER).
reflect:
        ld      r4, V_PORG(r10)         ; the guest's word 0
        ld      r5, V_FLAGS(r10)
        st      r5, 0(r4)
        st      r3, 1(r4)
        ld      r5, V_BASE(r10)
        st      r5, 2(r4)
        ld      r5, V_BOUND(r10)
        st      r5, 3(r4)
        st      r1, 4(r4)
        st      r2, 5(r4)
        ld      r5, 8(r4)
        andi    r5, r5, F_S + F_IE
        st      r5, V_FLAGS(r10)
        ld      r5, 9(r4)
        st      r5, V_PC(r10)
        ld      r5, 10(r4)
        st      r5, V_BASE(r10)
        ld      r5, V_REFL(r10)
        addi    r5, r5, 1
        st      r5, V_REFL(r10)
        ld      r5, 11(r4)
        st      r5, V_BOUND(r10)
        beqz    r5, reflect_nohandler
        li      r5, 1
        st      r5, V_AFTER(r10)
        ret
reflect_nohandler:
        la      r4, why_nohandler
        b       guest_checkstop

; ===========================================================================
; resume: the guest at r10 goes on. Before its next instruction: is its
; time slice over; is its timer interrupt pending with IE on (then that trap
; comes first, as on the bare machine); can the first instruction of a
; handler just entered be fetched at all. Then the layer below runs it.
resume:
        ld      r1, sliceleft(r0)
        bge     r0, r1, schedule
resume_timer:
        ld      r1, V_PEND(r10)
        beqz    r1, resume_fetch
        ld      r1, V_FLAGS(r10)
        andi    r1, r1, F_IE
        beqz    r1, resume_fetch
        st      r0, V_PEND(r10)         ; taking the interrupt clears it
        li      r1, TIMER
        li      r2, 0
        ld      r3, V_PC(r10)           ; old pc: the instruction not yet run
        call    reflect
        b       resume_timer
resume_fetch:
        ld      r1, V_AFTER(r10)
        beqz    r1, plat_run
        st      r0, V_AFTER(r10)
        call    vlimit
        ld      r1, V_PC(r10)
        bltu    r1, r3, plat_run
        li      r1, MEMORY              ; the handler is unreachable: never loop on it
        ld      r2, V_PC(r10)
        mov     r3, r2
        la      r4, why_fetch
        b       guest_checkstop

; ===========================================================================
; schedule: round robin. Save the current guest's registers in its VCB,
; pick the next running guest after it, load its registers, give it a new
; slice. Why: one guest that never traps (or loops on traps) must not keep
; the others from running.
schedule:
        ld      r10, cur(r0)
        call    save_regs
        ld      r9, nguests(r0)         ; candidates to look at
schedule_next:
        addi    r10, r10, V_SIZE
        ld      r1, vcb_end(r0)
        bltu    r10, r1, schedule_try
        la      r10, vcbs
schedule_try:
        ld      r1, V_STATE(r10)
        li      r2, RUNNING
        beq     r1, r2, schedule_found
        addi    r9, r9, -1
        bnez    r9, schedule_next
        b       all_stopped
schedule_found:
        st      r10, cur(r0)
        call    load_regs
        li      r1, QUANTUM
        st      r1, sliceleft(r0)
        call    plat_slice
        b       resume

; save_regs / load_regs: the current guest's registers between gregs and
; its VCB (only at a guest switch; a trap leaves them in gregs).
save_regs:
        li      r1, 1
save_regs_loop:
        ld      r2, gregs(r1)
        add     r3, r10, r1
        st      r2, V_REGS(r3)
        addi    r1, r1, 1
        slti    r2, r1, 16
        bnez    r2, save_regs_loop
        ret
load_regs:
        li      r1, 1
load_regs_loop:
        add     r3, r10, r1
        ld      r2, V_REGS(r3)
        st      r2, gregs(r1)
        addi    r1, r1, 1
        slti    r2, r1, 16
        bnez    r2, load_regs_loop
        ret

; ===========================================================================
; Stopping a guest, alone. Its unfinished console line goes out first.

; guest_halted: the guest executed halt.
guest_halted:
        call    con_flush
        call    msg_guest               ; "type1: hello: halted (3 emulated, 0 reflected)"
        la      r1, m_halted
        call    ob_str
        call    msg_counts
        call    ob_line
        li      r1, HALTED
        st      r1, V_STATE(r10)
        b       schedule

; guest_checkstop: r1 = cause, r2 = info, r3 = pc, r4 = why (a string).
; On the bare machine this guest's machine would have stopped: so does it.
guest_checkstop:
        mov     r8, r1
        mov     r9, r2
        mov     r11, r3
        mov     r12, r4
        call    con_flush
        call    msg_guest               ; "type1: x: check-stop: MEMORY trap at pc 0x…, info 0x…: why"
        la      r1, m_checkstop
        call    ob_str
        la      r1, cause_names
        add     r1, r1, r8
        ld      r1, 0(r1)
        call    ob_str
        la      r1, m_trap_at
        call    ob_str
        mov     r1, r11
        call    ob_hex
        la      r1, m_info
        call    ob_str
        mov     r1, r9
        call    ob_hex
        la      r1, m_colon
        call    ob_str
        mov     r1, r12
        call    ob_str
        call    ob_line
        li      r1, STOPPED
        st      r1, V_STATE(r10)
        b       schedule

all_stopped:
        call    msg_start
        la      r1, m_all
        call    ob_str
        call    ob_line
        b       plat_done

; internal_error: the layer below reported a trap this monitor does not
; know. A bug, not the guest's doing: say so and stop everything.
internal_error:
        mov     r8, r1
        call    msg_start
        la      r1, m_internal
        call    ob_str
        mov     r1, r8
        call    ob_dec
        call    ob_line
        b       plat_done

; ===========================================================================
; The hypercalls (ISA.md "Hypercalls"): svc 0xFF00 + n from virtual
; supervisor mode. The monitor performs the call instead of reflecting the
; SVC; arguments in the guest's r1..r3, the result in its r1 (-1 for an
; unknown call); the guest goes on after the svc, which counts as one
; completed instruction. Why: a paravirtual kernel asks the monitor
; directly, one crossing for a whole buffer instead of one per `out`.
hypercall:
        ld      r1, V_HCALL(r10)
        addi    r1, r1, 1
        st      r1, V_HCALL(r10)
        ld      r1, gregs+1(r0)         ; the arguments
        ld      r2, gregs+2(r0)
        ld      r3, gregs+3(r0)
        andi    r4, r8, 0xFF            ; n
        li      r5, 7                   ; multicall is only allowed here, at the top
        beq     r4, r5, hc_multicall
        call    hc_one
        st      r1, gregs+1(r0)
        andi    r4, r8, 0xFF
        li      r3, 5                   ; reloc also returns r2
        bne     r4, r3, hc_not_reloc
        st      r2, gregs+2(r0)
hc_not_reloc:
        li      r3, 6                   ; timer acts as stimer, which the timer does not count
        beq     r4, r3, hc_counted
hc_done:
        call    tick
hc_counted:
        ld      r1, V_STATE(r10)        ; `halt` (9) stopped it
        li      r2, HALTED
        beq     r1, r2, guest_halted
        b       resume

; hc_one: call r4 with arguments r1..r3; r1 <- its result (r2 too for reloc).
hc_one:
        li      r5, HCALLS
        bgeu    r4, r5, hc_unknown
        ld      r5, hc_table(r4)
        jr      r5
hc_unknown:
        li      r1, -1
        ret

hc_probe:                               ; 0: r1 <- 0x5047
        li      r1, 0x5047
        ret
hc_write:                               ; 1: console out, r2 words at virtual r1..; r1 <- r2
        push    lr
        push    r8
        push    r9
        push    r11
        call    vbuffer
        blt     r1, r0, hc_write_bad
        mov     r8, r1
        mov     r9, r2
        mov     r11, r2
hc_write_loop:
        beqz    r9, hc_write_end
        ld      r1, 0(r8)
        call    con_putc
        addi    r8, r8, 1
        addi    r9, r9, -1
        b       hc_write_loop
hc_write_bad:
        li      r11, -2
hc_write_end:
        mov     r1, r11
        pop     r11
        pop     r9
        pop     r8
        pop     lr
        ret
hc_read:                                ; 2: up to r2 input bytes to virtual r1..; r1 <- the count
        push    lr
        push    r8
        push    r9
        push    r11
        call    vbuffer
        blt     r1, r0, hc_read_bad
        mov     r8, r1
        mov     r9, r2
        li      r11, 0
hc_read_loop:
        beq     r11, r9, hc_read_end
        call    plat_getc
        blt     r1, r0, hc_read_end     ; end of input
        add     r2, r8, r11
        st      r1, 0(r2)
        addi    r11, r11, 1
        b       hc_read_loop
hc_read_end:
        mov     r1, r11
        pop     r11
        pop     r9
        pop     r8
        pop     lr
        ret
hc_read_bad:
        li      r1, -2
        pop     r11
        pop     r9
        pop     r8
        pop     lr
        ret
hc_flags:                               ; 3: r1 <- the virtual flags
        ld      r1, V_FLAGS(r10)
        ret
hc_setie:                               ; 4: virtual IE <- bit 0 of r1
        ld      r2, V_FLAGS(r10)
        andi    r2, r2, F_S
        andi    r1, r1, 1
        add     r1, r1, r1              ; bit 0 -> IE (bit 1)
        or      r2, r2, r1
        st      r2, V_FLAGS(r10)
        li      r1, 0
        ret
hc_reloc:                               ; 5: r1 <- virtual base, r2 <- virtual bound
        ld      r1, V_BASE(r10)
        ld      r2, V_BOUND(r10)
        ret
hc_timer:                               ; 6: as stimer r1
        st      r1, V_TIMER(r10)
        st      r0, V_PEND(r10)
        li      r1, 0
        ret
hc_yield:                               ; 8: end the time slice
        st      r0, sliceleft(r0)
        li      r1, 0
        ret
hc_halt:                                ; 9: as halt
        li      r1, HALTED
        st      r1, V_STATE(r10)
        li      r1, 0
        ret

; 7: multicall: r1 = virtual address of r2 entries (call, a1, a2, a3), done
; in order until one returns a negative value; r1 <- how many succeeded.
hc_multicall:
        mov     r9, r2                  ; entries
        lui     r3, 0x1000              ; more than 2^28 entries cannot fit any storage
        bgeu    r2, r3, hc_multi_bad
        add     r2, r2, r2              ; the buffer is 4 words per entry
        add     r2, r2, r2
        call    vbuffer
        blt     r1, r0, hc_multi_bad
        mov     r11, r1                 ; the first entry, in our storage
        li      r12, 0                  ; done
hc_multi_loop:
        beq     r12, r9, hc_multi_end
        ld      r4, 0(r11)
        ld      r1, 1(r11)
        ld      r2, 2(r11)
        ld      r3, 3(r11)
        li      r5, 7
        beq     r4, r5, hc_multi_end    ; no multicall inside a multicall
        call    hc_one
        blt     r1, r0, hc_multi_end
        addi    r12, r12, 1
        addi    r11, r11, 4
        ld      r1, V_STATE(r10)        ; a halt ends the batch
        li      r2, HALTED
        beq     r1, r2, hc_multi_end
        b       hc_multi_loop
hc_multi_end:
        st      r12, gregs+1(r0)
        b       hc_done
hc_multi_bad:
        li      r1, -2
        st      r1, gregs+1(r0)
        b       hc_done

; vbuffer: r1 = a guest virtual address, r2 = words. r1 <- the buffer's
; address in our storage if the guest's relocation allows every word of it,
; else -1 (the hypercall then does nothing). r2 is kept. Clobbers r3..r5.
vbuffer:
        mov     r5, lr
        call    vlimit
        bgeu    r1, r3, vbuffer_bad     ; (also an empty buffer at a bad address: allowed? no words: fine)
        sub     r4, r3, r1              ; room from r1 to the limit
        bltu    r4, r2, vbuffer_bad
        ld      r4, V_PORG(r10)
        add     r1, r1, r4
        ld      r4, V_BASE(r10)
        add     r1, r1, r4
        jr      r5
vbuffer_bad:
        beqz    r2, vbuffer_empty
        li      r1, -1
        jr      r5
vbuffer_empty:
        li      r1, 0                   ; nothing to touch: any address will do
        jr      r5

; ===========================================================================
; The console. Each guest has a line buffer; a line goes out whole, as
; "[name] text", when the guest writes '\n' (or fills the buffer, or stops).

; con_putc: the guest at r10 writes the byte r1 (low 8 bits). A line
; longer than LINE_MAX goes out in pieces of LINE_MAX.
con_putc:
        andi    r1, r1, 0xFF
        li      r2, '\n'
        beq     r1, r2, con_emit
        ld      r2, V_LEN(r10)
        li      r3, LINE_MAX
        bne     r2, r3, con_append
        push    lr                      ; full: this piece goes out first
        push    r1
        call    con_emit
        pop     r1
        pop     lr
        li      r2, 0
con_append:
        ld      r3, V_LBUF(r10)
        add     r3, r3, r2
        st      r1, 0(r3)
        addi    r2, r2, 1
        st      r2, V_LEN(r10)
        ret

; con_flush: at a guest's stop, an unfinished line goes out too.
con_flush:
        ld      r1, V_LEN(r10)
        bnez    r1, con_emit
        ret

; con_emit: "[name] " + the line buffer + "\n", then the buffer is empty.
con_emit:
        push    lr
        push    r8
        push    r9
        call    ob_reset
        li      r1, '['
        call    ob_char
        ld      r1, V_NAME(r10)
        call    ob_str
        la      r1, m_prefix_end
        call    ob_str
        ld      r8, V_LBUF(r10)
        ld      r9, V_LEN(r10)
con_emit_loop:
        beqz    r9, con_emit_done
        ld      r1, 0(r8)
        call    ob_char
        addi    r8, r8, 1
        addi    r9, r9, -1
        b       con_emit_loop
con_emit_done:
        st      r0, V_LEN(r10)
        call    ob_line
        pop     r9
        pop     r8
        pop     lr
        ret

; con_putdec: port 2: the value r1 in decimal, into the guest's line.
con_putdec:
        push    lr
        push    r8
        la      r2, digits
        call    itoa
        la      r8, digits
con_putdec_loop:
        ld      r1, 0(r8)
        beqz    r1, con_putdec_end
        call    con_putc
        addi    r8, r8, 1
        b       con_putdec_loop
con_putdec_end:
        pop     r8
        pop     lr
        ret

; The monitor's own lines are built in `obuf` and written with plat_line.
; ob_reset empties it; ob_char/ob_str/ob_dec/ob_hex append; ob_line ends the
; line and writes it. Clobber r1..r7 (ob_char: r1, r2 only).
ob_reset:
        la      r1, obuf
        st      r1, optr(r0)
        ret
ob_char:
        ld      r2, optr(r0)
        st      r1, 0(r2)
        addi    r2, r2, 1
        st      r2, optr(r0)
        ret
ob_str:
        mov     r3, r1
        mov     r4, lr
ob_str_loop:
        ld      r1, 0(r3)
        beqz    r1, ob_str_end
        call    ob_char
        addi    r3, r3, 1
        b       ob_str_loop
ob_str_end:
        jr      r4
ob_dec:
        mov     r6, lr
        ld      r2, optr(r0)
        call    itoa
        st      r1, optr(r0)
        jr      r6
ob_hex:
        mov     r6, lr
        ld      r2, optr(r0)
        call    htoa
        st      r1, optr(r0)
        jr      r6
ob_line:
        mov     r7, lr
        li      r1, '\n'
        call    ob_char
        la      r1, obuf
        ld      r2, optr(r0)
        sub     r2, r2, r1
        call    plat_line
        jr      r7

; msg_start: a line of the monitor's own: "type1: ".
msg_start:
        mov     r7, lr
        call    ob_reset
        la      r1, plat_name
        call    ob_str
        la      r1, m_colon
        call    ob_str
        jr      r7

; msg_guest: "type1: NAME: " for the guest at r10.
msg_guest:
        push    lr
        call    msg_start
        ld      r1, V_NAME(r10)
        call    ob_str
        la      r1, m_colon
        call    ob_str
        pop     lr
        ret

; msg_counts: " (E emulated, R reflected, H hypercalls)" for the guest at r10.
msg_counts:
        push    lr
        la      r1, m_paren
        call    ob_str
        ld      r1, V_EMU(r10)
        call    ob_dec
        la      r1, m_emulated
        call    ob_str
        ld      r1, V_REFL(r10)
        call    ob_dec
        la      r1, m_reflected
        call    ob_str
        ld      r1, V_HCALL(r10)
        beqz    r1, msg_counts_end
        la      r1, m_comma
        call    ob_str
        ld      r1, V_HCALL(r10)
        call    ob_dec
        la      r1, m_hcalls
        call    ob_str
msg_counts_end:
        li      r1, ')'
        call    ob_char
        pop     lr
        ret

; ===========================================================================
; Core data.

; The privileged instructions, as the assembler encodes them (never run):
; core_boot reads their opcodes to fill `optable`.
templates:
        lpsw    r0
        spsw    r0
        stimer  r0
        in      r0, 0
        out     r0, 0
        halt
routines:
        .word   em_lpsw, em_spsw, em_stimer, em_in, em_out, em_halt
        .equ    NROUTINES, routines - templates

hc_table:
        .word   hc_probe, hc_write, hc_read, hc_flags, hc_setie
        .word   hc_reloc, hc_timer, hc_unknown, hc_yield, hc_halt

cause_names:
        .word   n_none, n_priv, n_illegal, n_memory, n_svc, n_timer, n_arith
n_none:     .string "?"
n_priv:     .string "PRIV"
n_illegal:  .string "ILLEGAL"
n_memory:   .string "MEMORY"
n_svc:      .string "SVC"
n_timer:    .string "TIMER"
n_arith:    .string "ARITH"

m_colon:     .string ": "
m_words_at:  .string " words at "
m_prefix_end: .string "] "
m_halted:    .string "halted"
m_checkstop: .string "check-stop: "
m_trap_at:   .string " trap at pc "
m_info:      .string ", info "
m_paren:     .string " ("
m_emulated:  .string " emulated, "
m_reflected: .string " reflected"
m_comma:     .string ", "
m_hcalls:    .string " hypercalls"
m_all:       .string "all guests stopped"
m_none:      .string "no guests: load them with --load FILE@ADDR (programs/vmm/README.md)"
m_full:      .string "more than 8 guests; the rest are not started"
m_internal:  .string "internal error: unexpected trap cause "
why_nohandler: .string "no trap handler installed (new PSW bound is 0)"
why_fetch:   .string "the trap handler's first instruction is outside its relocation bounds"

cur:       .word   0                    ; VCB of the current guest
nguests:   .word   0
vcb_end:   .word   0                    ; just past the last VCB in use
sliceleft: .word   0                    ; steps left in the current time slice
optr:      .word   0                    ; end of the line being built in obuf
optable:   .space  256                  ; opcode -> interpreter routine (0: none)
digits:    .space  12
obuf:      .space  LINE_MAX + 24        ; "[name] " + a line + "\n" + 0
vcbs:      .space  MAXG * V_SIZE
lbufs:     .space  MAXG * LINE_MAX
