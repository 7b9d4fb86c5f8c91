import * as assert from "node:assert/strict";
import { describeFailure } from "../../../cli/backup/restic";

describe("backup CLI pieces", () => {
  it("says in one line whether the password is wrong or the repository unreachable", () => {
    assert.equal(
      describeFailure("/r", "Fatal: wrong password or no key found\n"),
      "homelab: wrong password for the restic repository /r (homelab:backupCredentials.password); nothing was changed",
    );
    assert.equal(
      describeFailure(
        "sftp:u@nas:/r",
        "subprocess ssh: ssh: Could not resolve hostname nas\nFatal: unable to open repository at sftp:u@nas:/r: unable to start the sftp session, error: EOF\n",
      ),
      "homelab: the restic repository sftp:u@nas:/r is unreachable (unable to open repository at sftp:u@nas:/r: unable to start the sftp session, error: EOF); nothing was changed",
    );
    assert.match(
      describeFailure(
        "/r",
        "Fatal: unable to open config file: stat /r/config: no such file or directory\nIs there a repository at the following location?\n/r\n",
      ),
      /^homelab: no restic repository at \/r yet/,
    );
  });
});
