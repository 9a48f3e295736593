; kernel.s — a mini operating system for PG32, in one file.
;
; It runs three user tasks, each in its own relocated partition, preempts
; them with the interval timer (round robin), gives them a few system calls,
; and survives tasks that misbehave. A guided tour is in README.md.
;
; Run:  trapeze run programs/os/kernel.s --input programs/os/kernel.input
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
;   svc 5  run      run a guest: the run block at task-virtual r1 (registers,
;                   pc, relocation inside the task, steps) runs in user mode
;                   until it traps; r1 <- the cause (the kernel's KVM_RUN,
;                   for a monitor hosted as a task; see sys_run)
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
;   FREE..      programs loaded beside the kernel (trapeze run … --load
;               FILE@ADDR, isa/BOOT.md) become tasks D, E, F in their
;               partitions; without --load there are none
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
;   +25         what is left of its quantum for the guests it runs (sys_run)
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
        .equ    NTASKS, 3               ; the kernel's own tasks, A..C
        .equ    MAXTASKS, 6             ; with up to three loaded ones, D..F
        .equ    PART_SIZE, 0x400        ; words per partition (1024)
        .equ    TASK1, 0x1000           ; partition starts (physical)
        .equ    TASK2, TASK1 + PART_SIZE
        .equ    TASK3, TASK2 + PART_SIZE
        .equ    FREE, TASK3 + PART_SIZE ; storage above the kernel's tasks

        ; low storage
        .equ    OLD_PSW, 0
        .equ    CAUSE, 4
        .equ    INFO, 5
        .equ    NEW_PSW, 8
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
        .equ    T_BUDGET, 25
        .equ    TCB_SIZE, 26
        .equ    LINE_MAX, 160
        ; PSW flags
        .equ    USER_IE, 2              ; S = 0 (user), IE = 1

; The new PSW, loaded by every trap: supervisor, IE off, pc = trap, base 0,
; bound 1M words (relocation also stops at the end of storage).
        .org    8
        .word   1, trap, 0, 0x100000

; ===========================================================================
; Boot
        .org    16
start:
        la      sp, kstack_top
        call    load_tasks              ; programs loaded beside the kernel, if any
        la      r1, m_boot              ; "kernel: starting 3 tasks, quantum 50"
        call    kputs
        ld      r1, ntasks(r0)
        out     r1, 2
        la      r1, m_boot2
        call    kputs
        li      r1, QUANTUM
        out     r1, 2
        li      r1, '\n'
        out     r1, 0
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
        out     r1, 2
        la      r1, m_pc
        call    kputs
        ld      r1, T_PSW+1(r10)
        out     r1, 2
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
        out     r1, 0
        la      r11, h_mem
        b       kill

; ---------------------------------------------------------------------------
; System calls. The task's r1 is at TCB+1; E[5] is the service number.
on_svc:
        ld      r2, INFO(r0)
        ld      r1, 1(r10)              ; the task's r1
        beqz    r2, sys_exit
        li      r3, 1
        beq     r2, r3, sys_putc
        li      r3, 2
        beq     r2, r3, sys_puts
        li      r3, 3
        beq     r2, r3, sys_putnum
        li      r3, 4
        beq     r2, r3, sys_getc
        li      r3, 5
        beq     r2, r3, sys_run         ; below: the run-guest service
        call    msg_task                ; unknown service: end the task
        la      r1, m_badsvc
        call    kputs
        ld      r1, INFO(r0)
        out     r1, 2
        la      r11, h_badsvc
        b       kill

sys_putc:
        andi    r1, r1, 0xFF
        call    lputc
        b       switch_same
sys_putnum:
        call    lputn
        b       switch_same
sys_getc:
        in      r1, 1
        st      r1, 1(r10)              ; the result goes to the task's r1
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
        out     r8, 2
        la      r11, h_exit
        b       end_task

; ---------------------------------------------------------------------------
; Ending a task. r11 = how it ended (for the summary).
kill:
        la      r1, m_ended             ; "; task ended"
        call    kputs
end_task:
        li      r1, '\n'
        out     r1, 0
        st      r0, T_STATE(r10)        ; no longer runnable
        st      r11, T_HOW(r10)
        ; fall through: schedule another task

; ---------------------------------------------------------------------------
; Round robin: the first runnable task after the current one (possibly the
; current one itself, if it is the only one left).
schedule:
        ld      r1, cur(r0)
        ld      r3, ntasks(r0)
        ld      r4, ntasks(r0)          ; candidates left to look at
sched_loop:
        addi    r1, r1, 1
        rem     r1, r1, r3              ; (cur + 1) mod ntasks
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
; switch_fresh gives it a new quantum; switch_same leaves the timer alone;
; r9 = 2 (back from a run, gtrap) gives it what is left of its quantum.
switch_fresh:
        li      r9, 1
        li      r1, QUANTUM             ; also the budget for the guests it runs (sys_run)
        st      r1, T_BUDGET(r10)
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
        li      r2, 1
        beq     r9, r2, switch_timer
        ld      r1, T_BUDGET(r10)       ; (r9 = 2: back from a run, gtrap)
        addi    r1, r1, 16
switch_timer:
        stimer  r1                      ; (stimer itself is not counted)
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
        li      r1, 0
        stimer  r1                      ; timer off
        la      r1, m_done
        call    kputs
        la      r10, tcbs
        ld      r12, ntasks(r0)
sum_loop:
        la      r1, m_sum1              ; "  task "
        call    kputs
        ld      r1, T_NAME(r10)
        out     r1, 0
        la      r1, m_sum2              ; ": "
        call    kputs
        ld      r1, T_HOW(r10)
        call    kputs
        la      r1, m_sum3              ; ", preempted "
        call    kputs
        ld      r1, T_PREEMPT(r10)
        out     r1, 2
        la      r1, m_sum4              ; " times\n"
        call    kputs
        addi    r10, r10, TCB_SIZE
        addi    r12, r12, -1
        bnez    r12, sum_loop
        halt

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
msg_task:
        push    lr
        ld      r1, T_LEN(r10)
        beqz    r1, msg_task_go
        call    flush                   ; a partial line: finish it
        li      r1, '\n'
        out     r1, 0
msg_task_go:
        la      r1, m_task
        call    kputs
        ld      r1, T_NAME(r10)
        out     r1, 0
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

; flush: write out the line buffer of the task at r10 and empty it.
flush:
        ld      r2, T_LEN(r10)
        ld      r3, T_LBUF(r10)
flush_loop:
        beqz    r2, flush_end
        ld      r4, 0(r3)
        out     r4, 0
        addi    r3, r3, 1
        addi    r2, r2, -1
        b       flush_loop
flush_end:
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

; kputs: print the string at kernel address r1.
kputs:
        ld      r2, 0(r1)
        beqz    r2, kputs_end
        out     r2, 0
        addi    r1, r1, 1
        b       kputs
kputs_end:
        ret

; khex: print r1 as 0x and 8 hex digits.
khex:
        li      r2, '0'
        out     r2, 0
        li      r2, 'x'
        out     r2, 0
        li      r2, 28
khex_loop:
        shr     r3, r1, r2
        andi    r3, r3, 0xF
        slti    r4, r3, 10
        beqz    r4, khex_letter
        addi    r3, r3, '0'
        b       khex_out
khex_letter:
        addi    r3, r3, 'a' - 10
khex_out:
        out     r3, 0
        addi    r2, r2, -4
        bge     r2, r0, khex_loop
        ret

; ===========================================================================
; The run-guest service (svc 5), and tasks loaded beside the kernel.
;
; svc 5 (run) is the kernel's KVM_RUN. A task hands the kernel a run block
; in its own storage; the kernel runs that register file and pc in user
; mode, relocated inside the task's own partition, until it traps, and
; gives the task back the cause and info. The kernel does not look at what
; the guest did: a hosted monitor (programs/vmm/type2.s) emulates it.
;
; The run block (RB_SIZE words at task-virtual r1):
;   +1..+15   the guest's r1..r15 (in and out; +0 is unused)
;   +17       pc (in; out: the old pc of the trap)
;   +18, +19  base and bound of the guest's relocation, within the task:
;             the guest's virtual a reaches the task's word base + a, and
;             faults (a trap like any other) when a >= bound or base + a
;             leaves the task
;   +20       steps: run at most this many instructions (0 = one quantum);
;             then the run ends with cause TIMER. A run of 1 step is exact:
;             TIMER means the one instruction completed, any other cause
;             that it trapped. (Past 1 the kernel cannot say how many ran
;             before a trap: it cannot read the timer either.) The kernel
;             may end a longer run early, at its own quantum.
;   +21, +22  out: cause and info of the trap that ended the run
; r1 <- the cause. A run block outside the task ends the task.
;
; Time. A guest's steps are the task's time: each run takes steps + RUN_COST
; from the task's quantum (T_BUDGET, set when the task is scheduled), never
; more steps than are left, and when a run ends with nothing left the task
; is preempted (it resumes after its svc later, result and all). Back from a
; run, the task's own code gets what is left of its quantum on the timer, so
; neither a guest nor the monitor asking to run it can keep other tasks out.
;
; While a guest runs, every trap comes to `gtrap`, not `trap`: the new PSW's
; pc is switched for the run and switched back at its first trap. The
; task's own registers stay in its TCB the whole time (it is "in svc 5").

        .equ    RB_PC, 17
        .equ    RB_BASE, 18
        .equ    RB_BOUND, 19
        .equ    RB_STEPS, 20
        .equ    RB_CAUSE, 21
        .equ    RB_INFO, 22
        .equ    RB_SIZE, 23
        .equ    RUN_COST, 16            ; quantum charged per run, beyond its steps

; sys_run: svc 5. r1 = task-virtual address of the run block, r10 = TCB.
sys_run:
        ld      r11, T_PSW+2(r10)       ; the task's base
        ld      r12, T_PSW+3(r10)       ; and bound
        addi    r2, r1, RB_SIZE - 1
        bgeu    r2, r12, run_bad        ; the whole block inside the task
        bltu    r2, r1, run_bad         ; (no wrap-around)
        add     r8, r11, r1             ; the block, physical
        st      r8, runblk(r0)
        addi    r1, r8, 1               ; the guest's r1..r15 -> ksave+1..15
        la      r2, ksave+1
        li      r3, 15
        call    copy
        li      r1, USER_IE             ; its PSW -> 0..3: user mode, interrupts on,
        st      r1, OLD_PSW+0(r0)       ; relocated inside the task
        ld      r1, RB_PC(r8)
        st      r1, OLD_PSW+1(r0)
        ld      r2, RB_BASE(r8)
        add     r1, r11, r2
        st      r1, OLD_PSW+2(r0)
        li      r3, 0
        bgeu    r2, r12, run_bound      ; base past the task: nothing is reachable
        sub     r3, r12, r2             ; room in the task above base
        ld      r4, RB_BOUND(r8)
        bgeu    r4, r3, run_bound
        mov     r3, r4
run_bound:
        st      r3, OLD_PSW+3(r0)
        ld      r1, RB_STEPS(r8)        ; steps: asked for, else a quantum,
        bnez    r1, run_steps
        li      r1, QUANTUM
run_steps:
        ld      r2, T_BUDGET(r10)       ; but no more than the task has left
        bgeu    r2, r1, run_charge
        mov     r1, r2
run_charge:
        sub     r2, r2, r1
        addi    r2, r2, -RUN_COST
        st      r2, T_BUDGET(r10)
        la      r2, gtrap               ; the guest's traps come to gtrap
        st      r2, NEW_PSW+1(r0)
        addi    r1, r1, 17              ; + this b and the 16 instructions of restore
        stimer  r1                      ; (not counted)
        b       restore                 ; ksave -> r1..r15, lpsw r0: into the guest

run_bad:                                ; "kernel: task D: run with a bad address 0x…"
        mov     r8, r1
        call    msg_task
        la      r1, m_badrun
        call    kputs
        mov     r1, r8
        call    khex
        la      r11, h_badptr
        b       kill

; gtrap: a trap while a guest runs. Save the guest exactly as `trap` saves
; a task, but into the run block; then the task goes on after its svc 5,
; with r1 = the cause, or is preempted if its quantum is spent. (The same
; fifteen stores as `trap`, in an entry of its own: one test in `trap`
; would cost every task's system calls an instruction, and the tasks'
; timing must not change.)
gtrap:
        st      r1, ksave+1(r0)
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
        la      sp, kstack_top
        la      r1, trap                ; the task's own traps go to trap again
        st      r1, NEW_PSW+1(r0)
        call    cur_tcb                 ; r10 = the task in svc 5
        ld      r8, runblk(r0)
        la      r1, ksave+1             ; the guest's registers -> the run block
        addi    r2, r8, 1
        li      r3, 15
        call    copy
        ld      r1, OLD_PSW+1(r0)
        st      r1, RB_PC(r8)
        ld      r1, CAUSE(r0)
        st      r1, RB_CAUSE(r8)
        st      r1, 1(r10)              ; the svc's result: the task's r1
        ld      r1, INFO(r0)
        st      r1, RB_INFO(r8)
        ld      r1, T_BUDGET(r10)
        bge     r0, r1, gtrap_preempt
        li      r9, 2                   ; back into the task with what is left
        b       switch
gtrap_preempt:                          ; its quantum is spent: the next task
        ld      r1, T_PREEMPT(r10)
        addi    r1, r1, 1
        st      r1, T_PREEMPT(r10)
        b       schedule

; load_tasks: at boot, every program loaded beside the kernel (isa/BOOT.md)
; becomes a task (D, E, F), in its partition, with a boot table of the
; programs inside that partition if it has any (a hosted monitor's guests).
load_tasks:
        push    lr
        push    r8
        push    r9
        push    r11
        call    boot_table
        beqz    r1, load_tasks_end
        mov     r8, r1                  ; the table
        ld      r9, BT_COUNT(r8)
        addi    r11, r8, BT_FIRST
load_tasks_entry:
        beqz    r9, load_tasks_end
        mov     r1, r8
        mov     r2, r11
        call    boot_top
        beqz    r1, load_tasks_next     ; a program inside another's partition
        ld      r1, ntasks(r0)
        li      r2, MAXTASKS
        beq     r1, r2, load_tasks_skip
        ld      r1, BE_ORIGIN(r11)
        li      r2, FREE                ; below FREE are the kernel and tasks A..C
        bltu    r1, r2, load_tasks_skip
        mov     r1, r8
        mov     r2, r11
        call    boot_nest               ; r1 = how many programs are inside it
        call    new_task
load_tasks_next:
        addi    r11, r11, BT_ENTRY
        addi    r9, r9, -1
        b       load_tasks_entry
load_tasks_skip:                        ; "kernel: not starting hello: no room below 0x1c00 or no free task"
        la      r1, m_noload
        call    kputs
        addi    r1, r11, BE_NAME
        call    kputs
        li      r1, '\n'
        out     r1, 0
        b       load_tasks_next
load_tasks_end:
        pop     r11
        pop     r9
        pop     r8
        pop     lr
        ret

; new_task: a TCB for the entry at r11, ready to run like tcb_a; r1 = the
; number of entries of its own boot table (its stack starts below it).
new_task:
        ld      r2, ntasks(r0)
        addi    r3, r2, 1
        st      r3, ntasks(r0)
        li      r3, TCB_SIZE
        mul     r3, r2, r3
        la      r4, tcbs
        add     r3, r4, r3              ; r3 = the TCB (all zero so far)
        li      r4, 1
        st      r4, T_STATE(r3)
        ld      r4, BE_PART(r11)        ; sp = the top of its storage, below its table
        beqz    r1, new_task_sp
        li      r5, BT_ENTRY
        mul     r5, r5, r1
        sub     r4, r4, r5
        addi    r4, r4, -BT_FIRST
new_task_sp:
        st      r4, 15(r3)
        li      r4, USER_IE
        st      r4, T_PSW+0(r3)
        ld      r4, BE_START(r11)
        ld      r5, BE_ORIGIN(r11)
        sub     r4, r4, r5
        st      r4, T_PSW+1(r3)
        st      r5, T_PSW+2(r3)
        ld      r4, BE_PART(r11)
        st      r4, T_PSW+3(r3)
        addi    r4, r2, 'A'             ; D, E, F
        st      r4, T_NAME(r3)
        li      r4, LINE_MAX
        mul     r4, r4, r2
        la      r5, line_a
        add     r4, r4, r5
        st      r4, T_LBUF(r3)
        ret

; ---------------------------------------------------------------------------
; Reading the boot table (isa/BOOT.md): the routines of programs/lib/boot.s,
; written out here so that kernel.s stays one source file that every tool
; can assemble as it is (without .include).
        .equ    BT_MAGIC, 0x50474254    ; 'PGBT'
        .equ    BT_POINTER, 12          ; low-storage word with the table's address
        .equ    BT_COUNT, 1             ; header words
        .equ    BT_MEM, 2
        .equ    BT_ESIZE, 3
        .equ    BT_FIRST, 4             ; the first entry
        .equ    BT_ENTRY, 16            ; words per entry
        .equ    BE_ORIGIN, 0            ; entry words
        .equ    BE_SIZE, 1
        .equ    BE_START, 2
        .equ    BE_PART, 3
        .equ    BE_NAME, 4

; boot_table: r1 <- the address of this program's boot table, or 0 if it
; was started without one (nothing loaded beside it).
boot_table:
        ld      r1, BT_POINTER(r0)
        beqz    r1, boot_table_end
        ld      r2, 0(r1)
        li      r3, BT_MAGIC
        beq     r2, r3, boot_table_end
        li      r1, 0                   ; a word 12 that is not ours: no table
boot_table_end:
        ret

; boot_inside: r1 = entry i, r2 = entry j. r1 <- 1 if j lies inside i's
; partition (its origin after i's and before i's end), else 0.
boot_inside:
        ld      r3, BE_ORIGIN(r1)
        ld      r4, BE_ORIGIN(r2)
        bgeu    r3, r4, boot_inside_no
        ld      r5, BE_PART(r1)
        add     r5, r3, r5
        bgeu    r4, r5, boot_inside_no
        li      r1, 1
        ret
boot_inside_no:
        li      r1, 0
        ret

; boot_top: r1 = table, r2 = an entry. r1 <- 1 if it is a program of this
; level (no other entry's partition holds it), 0 if it belongs to a guest.
boot_top:
        push    lr
        push    r8
        push    r9
        push    r10
        mov     r8, r2
        ld      r9, BT_COUNT(r1)
        addi    r10, r1, BT_FIRST
boot_top_loop:
        beqz    r9, boot_top_yes
        mov     r1, r10
        mov     r2, r8
        call    boot_inside
        bnez    r1, boot_top_no
        addi    r10, r10, BT_ENTRY
        addi    r9, r9, -1
        b       boot_top_loop
boot_top_yes:
        li      r1, 1
        b       boot_top_end
boot_top_no:
        li      r1, 0
boot_top_end:
        pop     r10
        pop     r9
        pop     r8
        pop     lr
        ret

; boot_nest: r1 = table, r2 = the entry of a guest about to be started.
; Writes the table of the programs inside its partition at the top of that
; partition, with addresses as the guest sees them (from its own word 0),
; and puts its address in the guest's word 12. Nothing is written for a
; guest that holds no programs (its storage stays as loaded). r1 <- how
; many entries the guest's table has.
boot_nest:
        push    lr
        push    r8
        push    r9
        push    r10
        push    r11
        push    r12
        mov     r8, r1                  ; the table
        mov     r9, r2                  ; the guest's entry
        li      r12, 0                  ; pass 1: count the programs inside
        ld      r10, BT_COUNT(r8)
        addi    r11, r8, BT_FIRST
boot_nest_count:
        beqz    r10, boot_nest_write
        mov     r1, r9
        mov     r2, r11
        call    boot_inside
        add     r12, r12, r1
        addi    r11, r11, BT_ENTRY
        addi    r10, r10, -1
        b       boot_nest_count
boot_nest_write:
        beqz    r12, boot_nest_end
        ld      r1, BE_ORIGIN(r9)       ; the guest's word 0
        ld      r2, BE_PART(r9)
        li      r3, BT_ENTRY
        mul     r3, r3, r12
        addi    r3, r3, BT_FIRST
        sub     r2, r2, r3              ; table at partition - its size (guest address)
        st      r2, BT_POINTER(r1)      ; the guest's word 12
        add     r11, r1, r2             ; the table, in our addresses
        li      r3, BT_MAGIC
        st      r3, 0(r11)
        st      r12, BT_COUNT(r11)
        ld      r3, BE_PART(r9)
        st      r3, BT_MEM(r11)         ; the guest's storage is its partition
        li      r3, BT_ENTRY
        st      r3, BT_ESIZE(r11)
        addi    r11, r11, BT_FIRST      ; pass 2: copy the entries inside, rebased
        ld      r10, BT_COUNT(r8)
        addi    r8, r8, BT_FIRST
boot_nest_copy:
        beqz    r10, boot_nest_end
        mov     r1, r9
        mov     r2, r8
        call    boot_inside
        beqz    r1, boot_nest_next
        li      r4, 0                   ; copy the 16 words
boot_nest_word:
        add     r5, r8, r4
        ld      r5, 0(r5)
        add     r6, r11, r4
        st      r5, 0(r6)
        addi    r4, r4, 1
        slti    r5, r4, BT_ENTRY
        bnez    r5, boot_nest_word
        ld      r3, BE_ORIGIN(r9)       ; origin and start, from the guest's word 0
        ld      r4, BE_ORIGIN(r11)
        sub     r4, r4, r3
        st      r4, BE_ORIGIN(r11)
        ld      r4, BE_START(r11)
        sub     r4, r4, r3
        st      r4, BE_START(r11)
        addi    r11, r11, BT_ENTRY
boot_nest_next:
        addi    r8, r8, BT_ENTRY
        addi    r10, r10, -1
        b       boot_nest_copy
boot_nest_end:
        mov     r1, r12
        pop     r12
        pop     r11
        pop     r10
        pop     r9
        pop     r8
        pop     lr
        ret

; ===========================================================================
; Kernel data

cur:    .word   0                       ; index of the current task, 0..ntasks-1
ntasks: .word   NTASKS                  ; tasks in the table (loaded ones added at boot)
runblk: .word   0                       ; physical address of the run block of the guest running (sys_run)
ksave:  .space  20                      ; trap-time save area: +1..15 r1..r15, +16..19 PSW

; The task control blocks, ready to run: state 1; all registers 0 except
; sp (r15) = PART_SIZE, the empty top of the partition's stack; PSW = user
; mode with IE, pc 0 (virtual), base = partition start, bound = PART_SIZE.
tcbs:
tcb_a:  .word   1, 0,0,0,0,0,0,0,0,0,0,0,0,0,0, PART_SIZE
        .word   USER_IE, 0, TASK1, PART_SIZE
        .word   'A', 0, 0, 0, line_a, 0
tcb_b:  .word   1, 0,0,0,0,0,0,0,0,0,0,0,0,0,0, PART_SIZE
        .word   USER_IE, 0, TASK2, PART_SIZE
        .word   'B', 0, 0, 0, line_b, 0
tcb_c:  .word   1, 0,0,0,0,0,0,0,0,0,0,0,0,0,0, PART_SIZE
        .word   USER_IE, 0, TASK3, PART_SIZE
        .word   'C', 0, 0, 0, line_c, 0
tcb_d:  .space  (MAXTASKS - NTASKS) * TCB_SIZE ; loaded tasks (new_task)
line_a: .space  LINE_MAX                ; the tasks' line buffers, in task order
line_b: .space  LINE_MAX
line_c: .space  LINE_MAX
line_d: .space  (MAXTASKS - NTASKS) * LINE_MAX

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
m_badrun: .string "run with a bad address "
m_noload: .string "kernel: not starting a loaded program (no free task, or it lies below 0x1c00): "
h_exit:   .string "exited"
h_priv:   .string "ended (privileged instruction)"
h_mem:    .string "ended (memory fault)"
h_trap:   .string "ended (trap)"
h_badsvc: .string "ended (unknown system call)"
h_badptr: .string "ended (bad address)"

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
