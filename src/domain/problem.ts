/**
 * Why a request cannot be carried out, said without HTTP: domain code and use
 * cases return problems, and `problemError` in src/routes/errors.ts is the one
 * place that maps each code to a status.
 *
 * @example
 * const parsed = splitBody(text, type);
 * if (isProblem(parsed)) throw problemError(parsed);
 */
export interface Problem<Code extends string = string> {
  problem: Code;
  message: string;
}

export function isProblem(value: unknown): value is Problem {
  return typeof value === "object" && value !== null && "problem" in value;
}
