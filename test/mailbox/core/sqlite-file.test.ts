import { sqliteFileBackend } from "../store/backends.js";
import { mailboxSuite } from "./suite/mailbox-suite.js";

mailboxSuite(sqliteFileBackend);
