import { Logger } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { hashToken } from '@berth/auth';
import { ConflictError, type RobotRecords } from '@berth/db';

/** The system robot the worker uses to read and write Berth's own repositories over HTTP. */
export const REPLICATION_ROBOT = 'robot$replication';

/**
 * The worker's credentials for the local Berth: the system robot `robot$replication` (pull and
 * push in every project), created on first use. Its secret is derived from BERTH_SECRET_KEY
 * (HMAC), never stored: every worker sharing the key computes the same secret, so any number
 * of workers can run at once, and only the hash is kept in the database, as for any robot.
 */
export class ReplicationRobot {
  private readonly logger = new Logger('replication');
  private credentials: Promise<{ username: string; password: string }> | undefined;

  constructor(
    private readonly robots: RobotRecords,
    private readonly secretKey: Buffer,
  ) {}

  /** Username and secret; the first call creates the robot or sets its secret's hash. */
  get(): Promise<{ username: string; password: string }> {
    this.credentials ??= this.rotate().catch((error: unknown) => {
      this.credentials = undefined;
      throw error;
    });
    return this.credentials;
  }

  private async rotate(): Promise<{ username: string; password: string }> {
    const password = createHmac('sha256', this.secretKey)
      .update('berth replication robot v1')
      .digest('base64url');
    const secretHash = hashToken(password);
    let robot = await this.robots.findByName(REPLICATION_ROBOT);
    if (!robot) {
      try {
        robot = await this.robots.create({
          name: REPLICATION_ROBOT,
          projectId: null,
          description: 'Berth worker: replication of local repositories (secret derived from the secret key)',
          secretHash,
          permissions: [{ project: '*', actions: ['pull', 'push'] }],
        });
        this.logger.log({ message: 'replication robot created', robot: REPLICATION_ROBOT });
        return { username: REPLICATION_ROBOT, password };
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        robot = await this.robots.findByName(REPLICATION_ROBOT);
        if (!robot) throw error;
      }
    }
    // Idempotent for workers sharing the key; re-enabling is an operator's decision, not ours.
    if (robot.secretHash !== secretHash) await this.robots.setSecretHash(robot.id, secretHash);
    return { username: REPLICATION_ROBOT, password };
  }
}
