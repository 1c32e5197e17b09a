import type { UserRecords } from '@berth/db';
import { conflict } from './admin.errors.js';

/**
 * The rule that keeps an installation manageable: some enabled user stays a system
 * administrator. Counting walks the user listing (administrators are few and users number in
 * the thousands at most); a `countAdmins` query in packages/db would make it one statement.
 */
export class AdminSafety {
  constructor(private readonly users: UserRecords) {}

  /** 409 unless an enabled administrator other than `userId` exists. */
  async keepAnAdmin(userId: string): Promise<void> {
    for (let page = 1; ; page++) {
      const { items } = await this.users.list({ page, pageSize: 100, sort: 'id' });
      if (items.some((user) => user.systemAdmin && !user.disabled && user.id !== userId)) return;
      if (items.length < 100) break;
    }
    throw conflict('this is the last enabled system administrator');
  }
}
