/** A one-line progress bar on a terminal; plain lines when not a TTY. */
export function progressBar(out: NodeJS.WriteStream, width = 30) {
  let lastPrinted = -10;
  return {
    update(percent: number, label = "") {
      const p = Math.max(0, Math.min(100, percent));
      if (out.isTTY) {
        const filled = Math.round((p / 100) * width);
        out.write(`\r  [${"#".repeat(filled)}${".".repeat(width - filled)}] ${p.toFixed(1).padStart(5)}%  ${label}   `);
      } else if (p - lastPrinted >= 10 || p === 100) {
        lastPrinted = p;
        out.write(`  ${p.toFixed(1)}%  ${label}\n`);
      }
    },
    done(message: string) {
      if (out.isTTY) out.write("\n");
      out.write(`  done: ${message}\n`);
    },
  };
}
