/**
 * Running the gpnn CLI from tests as a user would: a child process in a temp directory, with
 * results and reports kept under it, and helpers to read back what a run left.
 */
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { promisify } from "node:util"

const exec = promisify(execFile)
export const cli = path.resolve("src/cli/main.ts")

export interface Outcome {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** A scratch directory for one test file, with `gpnn(...)` running the CLI inside it. */
export const sandbox = (prefix: string) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `gpnn-${prefix}-`))
  /** `--results` and `--reports` under `root/<name>`, so several runs of a file stay apart. */
  const dirs = (name: string) => ["--results", path.join(root, name, "results"), "--reports", path.join(root, name, "reports")]
  const gpnn = (args: ReadonlyArray<string>): Promise<Outcome> =>
    exec(process.execPath, [cli, ...args], { cwd: root, maxBuffer: 1 << 24 }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr })
    )
  /** The one run directory of `experiment` under `root/<name>/results`. */
  const onlyRun = (name: string, experiment: string): string => {
    const dir = path.join(root, name, "results", experiment)
    const runs = fs.readdirSync(dir)
    if (runs.length !== 1) throw new Error(`expected one run in ${dir}, found ${runs.length}`)
    return path.join(dir, runs[0])
  }
  const reportDir = (name: string, experiment: string): string => path.join(root, name, "reports", experiment)
  return { root, dirs, gpnn, onlyRun, reportDir }
}

/** Every file of a report (README, HTML, figures) as text, keyed by relative path. */
export const reportFiles = (dir: string): Map<string, string> => {
  const figures = fs.existsSync(path.join(dir, "figures")) ? fs.readdirSync(path.join(dir, "figures")).sort().map((f) => `figures/${f}`) : []
  return new Map(["README.md", "index.html", ...figures].map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]))
}

/** Rows of cells of a CSV text, RFC 4180 quoting (commas, quotes and newlines inside quotes). */
export const csvRows = (text: string): Array<Array<string>> => {
  const rows: Array<Array<string>> = []
  let row: Array<string> = []
  let cell = ""
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"'
        i++
      } else if (ch === '"') quoted = false
      else cell += ch
    } else if (ch === '"') quoted = true
    else if (ch === ",") {
      row.push(cell)
      cell = ""
    } else if (ch === "\n") {
      row.push(cell)
      rows.push(row)
      row = []
      cell = ""
    } else if (ch !== "\r") cell += ch
  }
  if (cell.length > 0 || row.length > 0) rows.push([...row, cell])
  return rows
}

/** trials.csv as records of strings, one per trial. */
export const trialRecords = (runDir: string): Array<Record<string, string>> => {
  const [columns, ...rows] = csvRows(fs.readFileSync(path.join(runDir, "trials.csv"), "utf8"))
  return rows.map((cells) => Object.fromEntries(columns.map((c, i) => [c, cells[i] ?? ""])))
}
