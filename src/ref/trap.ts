/** A trap, as a typed value: raised (thrown) by an instruction, delivered by the interpreter in one place. */
export class Trap {
  constructor(
    readonly cause: number,
    readonly info: number,
    /** the old pc the save area gets; default: the instruction itself */
    readonly oldPc?: number,
  ) {}
}
