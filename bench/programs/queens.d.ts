/** queens.s's plain-JS twin (queens.js): what the guest prints. */
export declare function queens(size: number): string;
