/** A benchmark's numeric option: a whole number of at least `min`, or exit 2 with the usage line. */
export function wholeNumberOption(input: { name: string; raw: string; min: number; usage: string }): number {
  const n = Number(input.raw);
  if (!Number.isInteger(n) || n < input.min) {
    console.error(`--${input.name} must be a whole number of at least ${input.min} (got "${input.raw}")\n${input.usage}`);
    process.exit(2);
  }
  return n;
}
