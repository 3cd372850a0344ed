import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  from: string | null;
  to: string[];
  raw: Buffer;
}

/** A local SMTP server on 127.0.0.1, port 0, no auth and no TLS: what `SMTP_URL` points at in tests. */
export async function startSmtpTestServer(): Promise<{
  url: string;
  received: ReceivedMail[];
  /** When set, the next message's DATA is refused with this SMTP error (then cleared). */
  failNext: { message: string; code: number } | null;
  close(): Promise<void>;
}> {
  const received: ReceivedMail[] = [];
  const control = { failNext: null as { message: string; code: number } | null };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const failure = control.failNext;
        if (failure) {
          control.failNext = null;
          const error = Object.assign(new Error(failure.message), { responseCode: failure.code });
          callback(error);
          return;
        }
        const mailFrom = session.envelope.mailFrom;
        received.push({
          from: mailFrom ? mailFrom.address : null,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    get failNext() {
      return control.failNext;
    },
    set failNext(value) {
      control.failNext = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
