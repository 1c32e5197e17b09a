/** What the token service was configured with, injectable. */
export class TokenSettings {
  constructor(readonly service: string) {}
}
