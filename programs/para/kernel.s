; kernel.s — the mini kernel, paravirtual: it calls the monitor instead of using the machine
; paravirtual twin: os/kernel.s
;
; This is programs/os/kernel.s changed the way Xen changed Linux (2003): the
; kernel knows it runs on a trapeze monitor, and where it would execute a
; sensitive or privileged instruction it makes a hypercall (ISA.md,
; "Hypercalls"; svc 0xFF00 + n from supervisor mode). The tasks are unchanged.
; The console output is the same as kernel.s's on the bare machine, byte for
; byte (programs/para/kernel.expected); what changes is how often the monitor
; is entered:
;
;   out, byte by byte (kernel.s)     ->  one `write` per line: the task's line
;                                        buffer, or the kernel's own line (kbuf)
;   in (getc)                        ->  `read` of one byte, straight into the
;                                        task's saved r1
;   stimer                           ->  `timer`
;   the end: stimer 0, output, halt  ->  one `multicall`: timer 0, write, halt
;   a task ending mid-line           ->  one `multicall`: its line, a newline,
;                                        and the kernel's message
;
; lpsw stays: it is privileged, so every monitor traps and emulates it (there
; is no hypercall for it). On the bare machine nothing answers the probe at
; boot: the kernel says so and halts.
;
;   trapeze vmm programs/para/kernel.s --input programs/os/kernel.input --stats
;   trapeze vmm programs/os/kernel.s   --input programs/os/kernel.input --stats
;   (compare "monitor entries ... per byte of output")
;
; TIME, AND WHY THE OUTPUT IS THE SAME. kernel.s charges the time it spends
; serving a system call to the calling task's quantum (see TIMER below), and
; the schedule shows in the output (which task prints next, how many times
; each was preempted). So on every path that returns to the calling task this
; kernel executes exactly as many instructions as kernel.s:
;  - a hypercall counts as one instruction, and `timer`, like `stimer`, none;
;  - `flush` writes the whole line with one `write`, then charges the task the
;    6 instructions per byte that kernel.s's out loop spends (a console is
;    slow: the time is the device's, the exits are what batching saves);
;  - getc reads one byte with `read`: three instructions, as kernel.s's in,
;    st, b (at end of input three more).
; Paths that end a task, and the boot and the summary, are not charged to a
; task (the next one starts with a fresh quantum), so there output is built
; in a kernel line buffer and written whole.
;
; ---------------------------------------------------------------------------
; SYSTEM CALLS (svc n; the argument and result are in r1)
;
;   svc 0  exit     end the calling task; r1 = exit status
;   svc 1  putc     write the low 8 bits of r1 to the console
;   svc 2  puts     write the 0-terminated string (one character per word)
;                   at task-virtual address r1; an address outside the task
;                   ends the task
;   svc 3  putnum   write r1 as a signed decimal number
;                   (console output is line-buffered per task: see DESIGN)
;   svc 4  getc     r1 <- the next console input byte, or -1 at end of input
;   other           ends the task ("unknown system call")
;
; All registers other than r1 (and r1 too, except for getc) are unchanged by
; a system call. A task sees nothing of the kernel but these calls.
;
; ---------------------------------------------------------------------------
; MEMORY (physical)
;
;   0..3        old PSW, stored by the hardware on every trap
;   4, 5        cause and info of the last trap
;   8..11       new PSW: (S, IE off; pc = trap; base 0; bound 1M) — put
;               there by this image itself (.org 8), so it is in place
;               before the first instruction runs
;   16..        the kernel: code, then data (task control blocks, ksave,
;               the kernel stack)
;   TASK1..     partition 1 (PART_SIZE words), task A
;   TASK2..     partition 2, task B
;   TASK3..     partition 3, task C
;
; Every task runs in user mode with base = its partition's start and bound
; = PART_SIZE, so its virtual addresses are 0..PART_SIZE-1 and it cannot
; touch the kernel or the other tasks. Each task is assembled with .org at
; its partition's physical address; its branches are pc-relative, and every
; absolute address it uses is written relative to its partition
; (e.g. `la r1, a_line - TASK1`).
;
; ---------------------------------------------------------------------------
; DESIGN
;
; Task control block (TCB), one per task, TCB_SIZE words:
;   +0          state: 1 runnable, 0 ended
;   +1..+15     saved r1..r15 (word k holds rk; r0 needs no saving)
;   +16..+19    saved PSW: flags, pc, base, bound
;   +20         name (a character, 'A', 'B', 'C')
;   +21         how it ended (kernel address of a string), for the summary
;   +22         how many times the timer preempted it
;   +23         how many characters are waiting in its line buffer
;   +24         the address of its line buffer (LINE_MAX words)
;
; Output is line-buffered per task: putc, puts and putnum append to the
; calling task's line buffer, and the kernel writes the line to the console
; when it ends with '\n' (or the buffer is full, or the task ends). A task
; can be preempted between two system calls, so without this, a line
; printed with several calls ("C: 10! = ", 3628800, "\n") could be broken
; up by other tasks' output. With it, every line comes out whole.
;
; Trap entry (`trap`). The hardware has put the task's PSW at 0..3 and
; switched to the kernel's PSW (supervisor, base 0, interrupts off). Every
; register still holds the task's value, so the kernel cannot compute a TCB
; address yet. It does not need one: `st rK, ksave+K(r0)` addresses storage
; through r0, which always reads 0, so the first 15 instructions store
; r1..r15 into the fixed area `ksave` without using any register. Then the
; old PSW is copied to ksave+16..19 and the whole of ksave+1..19 is copied
; into the current task's TCB. From here on every register is free.
;
; Dispatch by cause (E[4]):
;   TIMER   count a preemption, schedule the next task
;   SVC     do the service (E[5] is its number), resume the same task
;   PRIV    print a message, end the task, schedule
;   MEMORY  print a message (with the virtual address, E[5]), end, schedule
;   other   (ILLEGAL, ARITH) print a message, end the task, schedule
;
; Scheduling: round robin over the runnable tasks, starting after the
; current one. When none is left the kernel prints a summary and halts.
;
; Switching to a task (`switch`) is trap entry backwards: copy its TCB
; +1..+19 into ksave+1..19, copy ksave+16..19 (its PSW) to 0..3, load
; r1..r15 from ksave (again through r0), and `lpsw r0`, which loads the PSW
; at 0..3: user mode, the task's pc, base and bound, and IE = 1.
;
; The timer. A task that is scheduled gets a fresh quantum: `stimer` with
; QUANTUM + 16, because the 15 loads and the lpsw that follow it are counted
; too, so the task itself runs exactly QUANTUM instructions before the
; interrupt. After a system call the kernel resumes the task *without*
; touching the timer: the time the kernel spent serving the call is charged
; to the task's quantum (if it ran out meanwhile, the interrupt is pending
; and taken before the task's next instruction). Otherwise a task that calls
; the kernel often would never be preempted. Since the timer counts
; instructions, not time, the whole run is deterministic.
;
; The kernel runs with interrupts off and never faults, so it is never
; re-entered; it needs no more than one save area.
;
; Kernel register conventions: r10 = address of the current TCB while
; handling a trap; r8..r13 are preserved by kernel subroutines, r1..r7 are
; scratch; sp is the kernel stack (reset on every trap entry).
; ---------------------------------------------------------------------------

        .equ    QUANTUM, 50             ; instructions per time slice
        .equ    NTASKS, 3
        .equ    PART_SIZE, 0x400        ; words per partition (1024)
        .equ    TASK1, 0x1000           ; partition starts (physical)
        .equ    TASK2, TASK1 + PART_SIZE
        .equ    TASK3, TASK2 + PART_SIZE

        ; low storage
        .equ    OLD_PSW, 0
        .equ    CAUSE, 4
        .equ    INFO, 5
        ; causes
        .equ    PRIV, 1
        .equ    MEMORY, 3
        .equ    SVC, 4
        .equ    TIMER, 5
        ; TCB fields
        .equ    T_STATE, 0
        .equ    T_PSW, 16
        .equ    T_NAME, 20
        .equ    T_HOW, 21
        .equ    T_PREEMPT, 22
        .equ    T_LEN, 23
        .equ    T_LBUF, 24
        .equ    TCB_SIZE, 25
        .equ    LINE_MAX, 80
        ; PSW flags
        .equ    USER_IE, 2              ; S = 0 (user), IE = 1
        ; hypercalls (ISA.md): svc HC + n from supervisor mode calls the monitor
        .equ    HC, 0xFF00
        .equ    HC_PROBE, HC + 0
        .equ    HC_WRITE, HC + 1
        .equ    HC_READ, HC + 2
        .equ    HC_TIMER, HC + 6
        .equ    HC_MULTICALL, HC + 7
        ; call numbers, as multicall entries name them
        .equ    CALL_WRITE, 1
        .equ    CALL_TIMER, 6
        .equ    CALL_HALT, 9
        .equ    KBUF_MAX, 256           ; the kernel's line buffer

; The new PSW, loaded by every trap: supervisor, IE off, base 0, bound 1M
; words (relocation also stops at the end of storage); pc = nohv until the
; probe at boot has found a monitor, then trap.
        .org    8
        .word   1, nohv, 0, 0x100000

; ===========================================================================
; Boot
        .org    16
start:
        la      sp, kstack_top
        li      r1, 0
        svc     HC_PROBE                ; a monitor answers r1 = 0x5047; bare, this traps to nohv
        li      r2, 0x5047
        bne     r1, r2, nohv
        la      r1, trap                ; from now on every trap goes to the kernel
        st      r1, 9(r0)
        la      r1, m_boot              ; "kernel: starting 3 tasks, quantum 50"
        call    kputs
        li      r1, NTASKS
        call    kputn
        la      r1, m_boot2
        call    kputs
        li      r1, QUANTUM
        call    kputn
        li      r1, '\n'
        call    kputc
        call    kflush                  ; one write for the line
        st      r0, cur(r0)             ; task 0 (A) first
        la      r10, tcbs
        b       switch_fresh

; ===========================================================================
; Trap entry: save the interrupted task completely, then dispatch.
trap:
        st      r1, ksave+1(r0)         ; through r0: needs no free register
        st      r2, ksave+2(r0)
        st      r3, ksave+3(r0)
        st      r4, ksave+4(r0)
        st      r5, ksave+5(r0)
        st      r6, ksave+6(r0)
        st      r7, ksave+7(r0)
        st      r8, ksave+8(r0)
        st      r9, ksave+9(r0)
        st      r10, ksave+10(r0)
        st      r11, ksave+11(r0)
        st      r12, ksave+12(r0)
        st      r13, ksave+13(r0)
        st      r14, ksave+14(r0)
        st      r15, ksave+15(r0)
        ld      r1, OLD_PSW+0(r0)       ; the task's PSW, as the hardware saved it
        st      r1, ksave+16(r0)
        ld      r1, OLD_PSW+1(r0)
        st      r1, ksave+17(r0)
        ld      r1, OLD_PSW+2(r0)
        st      r1, ksave+18(r0)
        ld      r1, OLD_PSW+3(r0)
        st      r1, ksave+19(r0)

        la      sp, kstack_top          ; the kernel's own stack
        call    cur_tcb                 ; r10 = current TCB
        la      r1, ksave+1             ; ksave+1..19 -> TCB+1..19
        addi    r2, r10, 1
        li      r3, 19
        call    copy

        ld      r1, CAUSE(r0)
        li      r2, TIMER
        beq     r1, r2, on_timer
        li      r2, SVC
        beq     r1, r2, on_svc
        li      r2, PRIV
        beq     r1, r2, on_priv
        li      r2, MEMORY
        beq     r1, r2, on_memory
        ; ILLEGAL, ARITH: "kernel: task X: trap N at pc P; task ended"
        call    msg_task
        la      r1, m_trap
        call    kputs
        ld      r1, CAUSE(r0)
        call    kputn
        la      r1, m_pc
        call    kputs
        ld      r1, T_PSW+1(r10)
        call    kputn
        la      r11, h_trap
        b       kill

on_timer:
        ld      r1, T_PREEMPT(r10)
        addi    r1, r1, 1
        st      r1, T_PREEMPT(r10)
        b       schedule

on_priv:                                ; "kernel: task B: privileged instruction 0x45000000 in user mode; task ended"
        call    msg_task
        la      r1, m_priv
        call    kputs
        ld      r1, INFO(r0)            ; the instruction word
        call    khex
        la      r1, m_priv2
        call    kputs
        la      r11, h_priv
        b       kill

on_memory:                              ; "kernel: task C: memory fault at virtual address 0x..."
        call    msg_task
        la      r1, m_mem
        call    kputs
        ld      r1, INFO(r0)            ; the virtual address
        call    khex
        la      r1, m_mem2
        call    kputs
        ld      r1, T_PSW+3(r10)        ; the task's bound
        call    khex
        li      r1, ')'
        call    kputc
        la      r11, h_mem
        b       kill

; ---------------------------------------------------------------------------
; System calls. The task's r1 is at TCB+1; E[5] is the service number.
; (As in kernel.s, instruction for instruction; only the registers differ:
; the number is in r3, so that r2 = 1 when getc is reached — read's count.)
on_svc:
        ld      r3, INFO(r0)
        ld      r1, 1(r10)              ; the task's r1
        beqz    r3, sys_exit
        li      r2, 1
        beq     r3, r2, sys_putc
        li      r4, 2
        beq     r3, r4, sys_puts
        li      r4, 3
        beq     r3, r4, sys_putnum
        li      r4, 4
        beq     r3, r4, sys_getc
        call    msg_task                ; unknown service: end the task
        la      r1, m_badsvc
        call    kputs
        ld      r1, INFO(r0)
        call    kputn
        la      r11, h_badsvc
        b       kill

sys_putc:
        andi    r1, r1, 0xFF
        call    lputc
        b       switch_same
sys_putnum:
        call    lputn
        b       switch_same
sys_getc:                               ; r2 = 1
        addi    r1, r10, 1              ; read one byte straight into the task's saved r1
        svc     HC_READ                 ; r1 = 1, or 0 at the end of input
        bnez    r1, switch_same
        li      r1, -1                  ; end of input: getc returns -1
        st      r1, 1(r10)
        b       switch_same

sys_puts:                               ; r1 = task-virtual address
        mov     r8, r1
        ld      r11, T_PSW+2(r10)       ; the task's base
        ld      r12, T_PSW+3(r10)       ; and bound
puts_loop:
        bgeu    r8, r12, puts_bad       ; the kernel checks what the hardware would
        add     r1, r11, r8             ; physical = base + virtual
        ld      r1, 0(r1)
        beqz    r1, switch_same
        call    lputc
        addi    r8, r8, 1
        b       puts_loop
puts_bad:
        call    msg_task
        la      r1, m_badptr
        call    kputs
        mov     r1, r8
        call    khex
        la      r11, h_badptr
        b       kill

sys_exit:                               ; "kernel: task A exited with status 0"
        mov     r8, r1
        call    msg_task
        la      r1, m_exit
        call    kputs
        mov     r1, r8
        call    kputn
        la      r11, h_exit
        b       end_task

; ---------------------------------------------------------------------------
; Ending a task. r11 = how it ended (for the summary).
kill:
        la      r1, m_ended             ; "; task ended"
        call    kputs
end_task:
        li      r1, '\n'
        call    kputc
        call    kend                    ; out with the message (and the task's unfinished line)
        st      r0, T_STATE(r10)        ; no longer runnable
        st      r11, T_HOW(r10)
        ; fall through: schedule another task

; ---------------------------------------------------------------------------
; Round robin: the first runnable task after the current one (possibly the
; current one itself, if it is the only one left).
schedule:
        ld      r1, cur(r0)
        li      r3, NTASKS
        li      r4, NTASKS              ; candidates left to look at
sched_loop:
        addi    r1, r1, 1
        rem     r1, r1, r3              ; (cur + 1) mod NTASKS
        li      r5, TCB_SIZE
        mul     r5, r1, r5
        la      r6, tcbs
        add     r10, r6, r5
        ld      r5, T_STATE(r10)
        bnez    r5, sched_found
        addi    r4, r4, -1
        bnez    r4, sched_loop
        b       all_done
sched_found:
        st      r1, cur(r0)
        ; fall through

; ---------------------------------------------------------------------------
; Switch to the task whose TCB is at r10.
; switch_fresh gives it a new quantum; switch_same leaves the timer alone.
switch_fresh:
        li      r9, 1
        b       switch
switch_same:
        li      r9, 0
switch:
        addi    r1, r10, 1              ; TCB+1..19 -> ksave+1..19
        la      r2, ksave+1
        li      r3, 19
        call    copy
        ld      r1, ksave+16(r0)        ; its PSW -> 0..3, for lpsw r0
        st      r1, OLD_PSW+0(r0)
        ld      r1, ksave+17(r0)
        st      r1, OLD_PSW+1(r0)
        ld      r1, ksave+18(r0)
        st      r1, OLD_PSW+2(r0)
        ld      r1, ksave+19(r0)
        st      r1, OLD_PSW+3(r0)
        beqz    r9, restore
        li      r1, QUANTUM + 16        ; + the 16 instructions below
        svc     HC_TIMER                ; (as stimer: not itself counted)
restore:
        ld      r1, ksave+1(r0)
        ld      r2, ksave+2(r0)
        ld      r3, ksave+3(r0)
        ld      r4, ksave+4(r0)
        ld      r5, ksave+5(r0)
        ld      r6, ksave+6(r0)
        ld      r7, ksave+7(r0)
        ld      r8, ksave+8(r0)
        ld      r9, ksave+9(r0)
        ld      r10, ksave+10(r0)
        ld      r11, ksave+11(r0)
        ld      r12, ksave+12(r0)
        ld      r13, ksave+13(r0)
        ld      r14, ksave+14(r0)
        ld      r15, ksave+15(r0)
        lpsw    r0                      ; PSW <- E[0..3]: into the task

; ---------------------------------------------------------------------------
; Every task has ended: the summary.
;   kernel: all tasks ended
;     task A: exited, preempted 9 times
all_done:
        la      r1, m_done
        call    kputs
        la      r10, tcbs
        li      r12, NTASKS
sum_loop:
        la      r1, m_sum1              ; "  task "
        call    kputs
        ld      r1, T_NAME(r10)
        call    kputc
        la      r1, m_sum2              ; ": "
        call    kputs
        ld      r1, T_HOW(r10)
        call    kputs
        la      r1, m_sum3              ; ", preempted "
        call    kputs
        ld      r1, T_PREEMPT(r10)
        call    kputn
        la      r1, m_sum4              ; " times\n"
        call    kputs
        addi    r10, r10, TCB_SIZE
        addi    r12, r12, -1
        bnez    r12, sum_loop
        ; The last three things, in one exit: timer off, the summary, halt.
        ld      r1, klen(r0)
        la      r2, mc_done
        st      r1, 6(r2)               ; the write's length
        mov     r1, r2
        li      r2, 3
        svc     HC_MULTICALL

; ===========================================================================
; Kernel subroutines (r1..r7 scratch, r8..r13 preserved).

; cur_tcb: r10 = address of the current task's TCB.
cur_tcb:
        ld      r1, cur(r0)
        li      r2, TCB_SIZE
        mul     r1, r1, r2
        la      r10, tcbs
        add     r10, r10, r1
        ret

; copy: copy r3 words from r1 to r2 (physical addresses).
copy:
        ld      r4, 0(r1)
        st      r4, 0(r2)
        addi    r1, r1, 1
        addi    r2, r2, 1
        addi    r3, r3, -1
        bnez    r3, copy
        ret

; msg_task: print "kernel: task X: " for the task at r10, on a line of its
; own: whatever the task left in its line buffer is written out first.
; (Here the message goes to kbuf; kend writes the partial line first.)
msg_task:
        push    lr
        la      r1, m_task
        call    kputs
        ld      r1, T_NAME(r10)
        call    kputc
        la      r1, m_colon
        call    kputs
        pop     lr
        ret

; lputc: append the character r1 to the line buffer of the task at r10;
; write the line out at '\n' or when the buffer is full.
lputc:
        ld      r2, T_LEN(r10)
        ld      r3, T_LBUF(r10)
        add     r3, r3, r2
        st      r1, 0(r3)
        addi    r2, r2, 1
        st      r2, T_LEN(r10)
        li      r3, '\n'
        beq     r1, r3, flush
        li      r3, LINE_MAX
        beq     r2, r3, flush
        ret

; flush: write out the line buffer of the task at r10 (at least one byte:
; lputc calls it after adding one) and empty it. One write, then the charge:
; 6 instructions per byte, as kernel.s's out loop, so 5 + 6n in all, as there.
flush:
        ld      r2, T_LEN(r10)
        ld      r1, T_LBUF(r10)
        svc     HC_WRITE                ; the whole line: one exit
charge: addi    r2, r2, -1
        nop
        nop
        nop
        nop
        bnez    r2, charge
        st      r0, T_LEN(r10)
        ret

; lputn: append r1 in signed decimal to the line buffer (via lputc).
; Works on the negative of the number, so that INT_MIN needs no special case:
; the digits of a negative n are -(n rem 10), most significant last, so they
; are pushed on the stack and popped in order.
lputn:
        push    lr
        push    r8
        push    r9
        mov     r8, r1
        blt     r8, r0, lputn_neg
        neg     r8, r8                  ; n <= 0 from here on
        b       lputn_digits
lputn_neg:
        li      r1, '-'
        call    lputc
lputn_digits:
        li      r9, 0                   ; how many digits are on the stack
        li      r2, 10
lputn_push:
        rem     r1, r8, r2              ; -9..0
        neg     r1, r1
        addi    r1, r1, '0'
        push    r1
        addi    r9, r9, 1
        div     r8, r8, r2
        bnez    r8, lputn_push
lputn_pop:
        pop     r1
        call    lputc
        addi    r9, r9, -1
        bnez    r9, lputn_pop
        pop     r9
        pop     r8
        pop     lr
        ret

; The kernel's own output goes to a line buffer, kbuf, written whole.
; kputc: append the character r1 (written out early if kbuf fills up).
kputc:
        ld      r2, klen(r0)
        st      r1, kbuf(r2)
        addi    r2, r2, 1
        st      r2, klen(r0)
        li      r3, KBUF_MAX
        beq     r2, r3, kflush
        ret

; kflush: write kbuf with one write, and empty it.
kflush:
        la      r1, kbuf
        ld      r2, klen(r0)
        svc     HC_WRITE
        st      r0, klen(r0)
        ret

; kend: write kbuf; if the task at r10 left a partial line, first that line
; and a newline (as kernel.s's msg_task does): three writes, one multicall.
kend:
        ld      r2, T_LEN(r10)
        beqz    r2, kflush
        la      r3, mc_end
        st      r2, 2(r3)               ; entry 0: the task's line...
        ld      r2, T_LBUF(r10)
        st      r2, 1(r3)               ; ...from its buffer
        ld      r2, klen(r0)
        st      r2, 10(r3)              ; entry 2: kbuf's length
        mov     r1, r3
        li      r2, 3
        svc     HC_MULTICALL
        st      r0, T_LEN(r10)
        st      r0, klen(r0)
        ret

; kputs: append the string at kernel address r1.
kputs:
        push    lr
        push    r8
        mov     r8, r1
kputs_loop:
        ld      r1, 0(r8)
        beqz    r1, kputs_end
        call    kputc
        addi    r8, r8, 1
        b       kputs_loop
kputs_end:
        pop     r8
        pop     lr
        ret

; kputn: append r1 in signed decimal (the digits of the negative, as lputn).
kputn:
        push    lr
        push    r8
        push    r9
        mov     r8, r1
        blt     r8, r0, kputn_neg
        neg     r8, r8
        b       kputn_digits
kputn_neg:
        li      r1, '-'
        call    kputc
kputn_digits:
        li      r9, 0
        li      r2, 10
kputn_push:
        rem     r1, r8, r2
        neg     r1, r1
        addi    r1, r1, '0'
        push    r1
        addi    r9, r9, 1
        div     r8, r8, r2
        bnez    r8, kputn_push
kputn_pop:
        pop     r1
        call    kputc
        addi    r9, r9, -1
        bnez    r9, kputn_pop
        pop     r9
        pop     r8
        pop     lr
        ret

; khex: append r1 as 0x and 8 hex digits.
khex:
        push    lr
        push    r8
        push    r9
        mov     r8, r1
        li      r1, '0'
        call    kputc
        li      r1, 'x'
        call    kputc
        li      r9, 28
khex_loop:
        shr     r1, r8, r9
        andi    r1, r1, 0xF
        slti    r2, r1, 10
        beqz    r2, khex_letter
        addi    r1, r1, '0'
        b       khex_out
khex_letter:
        addi    r1, r1, 'a' - 10
khex_out:
        call    kputc
        addi    r9, r9, -4
        bge     r9, r0, khex_loop
        pop     r9
        pop     r8
        pop     lr
        ret

; nohv: no monitor answered the probe (the bare machine): say so with plain
; out, and stop.
nohv:
        la      r1, m_nohv
nohv_loop:
        ld      r2, 0(r1)
        beqz    r2, nohv_end
        out     r2, 0
        addi    r1, r1, 1
        b       nohv_loop
nohv_end:
        halt

; ===========================================================================
; Kernel data

cur:    .word   0                       ; index of the current task, 0..NTASKS-1
ksave:  .space  20                      ; trap-time save area: +1..15 r1..r15, +16..19 PSW

; The task control blocks, ready to run: state 1; all registers 0 except
; sp (r15) = PART_SIZE, the empty top of the partition's stack; PSW = user
; mode with IE, pc 0 (virtual), base = partition start, bound = PART_SIZE.
tcbs:
tcb_a:  .word   1, 0,0,0,0,0,0,0,0,0,0,0,0,0,0, PART_SIZE
        .word   USER_IE, 0, TASK1, PART_SIZE
        .word   'A', 0, 0, 0, line_a
tcb_b:  .word   1, 0,0,0,0,0,0,0,0,0,0,0,0,0,0, PART_SIZE
        .word   USER_IE, 0, TASK2, PART_SIZE
        .word   'B', 0, 0, 0, line_b
tcb_c:  .word   1, 0,0,0,0,0,0,0,0,0,0,0,0,0,0, PART_SIZE
        .word   USER_IE, 0, TASK3, PART_SIZE
        .word   'C', 0, 0, 0, line_c
line_a: .space  LINE_MAX                ; the tasks' line buffers
line_b: .space  LINE_MAX
line_c: .space  LINE_MAX

m_boot:   .string "kernel: starting "
m_boot2:  .string " tasks, quantum "
m_task:   .string "kernel: task "
m_colon:  .string ": "
m_trap:   .string "trap "
m_pc:     .string " at pc "
m_priv:   .string "privileged instruction "
m_priv2:  .string " in user mode"
m_mem:    .string "memory fault at virtual address "
m_mem2:   .string " (bound "
m_badsvc: .string "unknown system call "
m_badptr: .string "puts with a bad address "
m_exit:   .string "exited with status "
m_ended:  .string "; task ended"
m_done:   .string "kernel: all tasks ended\n"
m_sum1:   .string "  task "
m_sum2:   .string ": "
m_sum3:   .string ", preempted "
m_sum4:   .string " times\n"
h_exit:   .string "exited"
h_priv:   .string "ended (privileged instruction)"
h_mem:    .string "ended (memory fault)"
h_trap:   .string "ended (trap)"
h_badsvc: .string "ended (unknown system call)"
h_badptr: .string "ended (bad address)"

m_nohv:   .string "para/kernel.s: no hypervisor answered the probe: this kernel is paravirtual; run it under a trapeze monitor (trapeze vmm or equiv)\n"
newline:  .word   '\n'
klen:     .word   0
kbuf:     .space  KBUF_MAX
; multicall tables: (call, a1, a2, a3) per entry; lengths filled in before the call
mc_end:   .word   CALL_WRITE, 0, 0, 0     ; the task's partial line
          .word   CALL_WRITE, newline, 1, 0
          .word   CALL_WRITE, kbuf, 0, 0  ; the kernel's message
mc_done:  .word   CALL_TIMER, 0, 0, 0     ; timer off
          .word   CALL_WRITE, kbuf, 0, 0  ; the summary
          .word   CALL_HALT, 0, 0, 0

kstack:   .space 32
kstack_top:

; ===========================================================================
; Task A — a counter. Counts 1..5 with some work between the counts, builds
; each line in its own memory and prints it with one puts (so the line comes
; out whole even if the task is preempted), then prints a total with putnum
; and exits. Shows: a task's stack (sp set by the kernel), call/ret inside a
; task, writing its own memory by task-virtual address.
        .org    TASK1
task_a:
        li      r8, 1                   ; n
        li      r9, 0                   ; running total of the work
a_loop:
        mov     r1, r8
        call    a_work                  ; r1 = 1 + 2 + ... + 10n
        add     r9, r9, r1
        addi    r2, r8, '0'             ; the digit of n
        st      r2, a_digit - TASK1(r0) ; patch it into the line
        la      r1, a_line - TASK1
        svc     2                       ; puts "A: count n\n"
        addi    r8, r8, 1
        slti    r2, r8, 6
        bnez    r2, a_loop
        la      r1, a_total - TASK1
        svc     2                       ; puts "A: total "
        mov     r1, r9
        svc     3                       ; putnum
        li      r1, '\n'
        svc     1                       ; putc
        li      r1, 0
        svc     0                       ; exit, status 0
; a_work: r1 = 1 + 2 + ... + 10*r1, the slow way (a loop), on the stack.
a_work:
        push    lr
        push    r8
        li      r2, 10
        mul     r8, r1, r2
        li      r1, 0
a_work_loop:
        add     r1, r1, r8
        addi    r8, r8, -1
        bnez    r8, a_work_loop
        pop     r8
        pop     lr
        ret
a_line:  .word  'A', ':', ' ', 'c', 'o', 'u', 'n', 't', ' '
a_digit: .word  '?', '\n', 0
a_total: .string "A: total "

; ===========================================================================
; Task B — prints a word several times, with work in between, then
; misbehaves: it executes `halt`, a privileged instruction, in user mode.
; The kernel ends it; the others go on.
        .org    TASK2
task_b:
        li      r8, 4                   ; how many times
b_loop:
        li      r2, 60                  ; some work: a delay loop
b_delay:
        addi    r2, r2, -1
        bnez    r2, b_delay
        la      r1, b_word - TASK2
        svc     2                       ; puts "B: hello\n"
        addi    r8, r8, -1
        bnez    r8, b_loop
        halt                            ; privileged in user mode: PRIV trap
        svc     0                       ; (never reached)
b_word:  .string "B: hello\n"

; ===========================================================================
; Task C — reads a line of console input with getc, echoes it, computes
; 10! and prints it, then misbehaves: it stores outside its partition
; (virtual 0x500 >= bound 0x400). The kernel ends it.
        .org    TASK3
task_c:
        la      r8, c_buf - TASK3       ; where the next input byte goes
        li      r9, -1
c_read:
        svc     4                       ; getc -> r1
        beq     r1, r9, c_eof
        li      r2, '\n'
        beq     r1, r2, c_eof
        st      r1, 0(r8)
        addi    r8, r8, 1
        b       c_read
c_eof:
        li      r2, '\n'                ; end the line: "\n", 0
        st      r2, 0(r8)
        st      r0, 1(r8)
        la      r1, c_line - TASK3
        svc     2                       ; puts "C: read <the input>\n"

        li      r1, 1                   ; 10!
        li      r2, 10
c_fact:
        mul     r1, r1, r2
        addi    r2, r2, -1
        bnez    r2, c_fact
        mov     r8, r1
        la      r1, c_fact_msg - TASK3
        svc     2                       ; "C: 10! = "
        mov     r1, r8
        svc     3                       ; 3628800
        li      r1, '\n'
        svc     1

        li      r2, 0x500               ; outside the partition (bound 0x400)
        st      r1, 0(r2)               ; MEMORY trap: the kernel ends task C
        svc     0                       ; (never reached)
c_fact_msg: .string "C: 10! = "
c_line: .word   'C', ':', ' ', 'r', 'e', 'a', 'd', ' '
c_buf:  .space  64                      ; the input goes here, right after "C: read "
