/**
 * Schema migrations: how a change sent to a schema database reaches every child database, or none, at the cost of
 * the change rather than of the tenants' data.
 *
 * <h2>The story</h2>
 * A family is one schema database (the parent) and its children, each a SQLite file, all at the same schema
 * version. A migration is a {@link io.multidb.migrations.MigrationJob}; its databases' outcomes are kept per batch
 * ({@link io.multidb.migrations.TaskBatch}).
 * <ol>
 *   <li><b>Start</b> ({@link io.multidb.migrations.MigrationControl#start}): the SQL is split once by the project's
 *       one splitter (a port of sqlite3_complete) and checked ({@link io.multidb.migrations.MigrationSql}: an ORM's
 *       BEGIN/COMMIT dropped, since every database runs the migration in a transaction of ours); the job, carrying
 *       those statements to the last child, is recorded (pending); then the family's lock is taken with a
 *       conditional write on the parent's catalog item. From then on writes to the family are refused with BLOCKED
 *       naming the job (reads go on), children cannot be created or deleted, and a second start gets CONFLICT.
 *       The data plane is fenced (the family's lock file), and the workflow is started, named after the job.</li>
 *   <li><b>Prepare</b>: lists the children once no child create that began before the lock is in flight, and
 *       records them in batches (name order, contiguous); only batch numbers enter the workflow's state.</li>
 *   <li><b>Dry-run</b> the parent, then every child (one workflow Map iteration per batch, bounded parallelism
 *       inside): the statements in a transaction on the real file whose journal and changed pages stay in memory,
 *       always rolled back: SQLite reads what the change reads and writes nothing. Any failure ends the job
 *       {@code failed}, nothing changed.</li>
 *   <li><b>Apply</b> to every child: under the file's write lock, check the job's phase (the family's lock file
 *       says whether it may still apply), run the statements and insert this job's row in
 *       {@code _multidb_schema(version, job_id, applied_at)} in ONE transaction, and keep that transaction's own
 *       rollback journal as the undo (a hard link taken before COMMIT: {@link io.multidb.storage.UndoJournals}). A
 *       database that already has the row is left alone: a retried or duplicated apply happens once.</li>
 *   <li><b>Apply to the parent</b>, only when every child is applied. After its commit the job can only succeed.</li>
 *   <li><b>On a failure after the dry-run, or an abort</b>: the job's phase is stopped (no apply starts anywhere
 *       after that) and it moves to {@code rolling_back}; every child carrying this job's row gets its kept journal
 *       back as a hot journal, which SQLite rolls back: the file is byte for byte what it was. The parent was never
 *       touched. A rollback's batch record cannot be overwritten by an apply step still in flight.</li>
 *   <li><b>Finish</b> ({@link io.multidb.migrations.JobEnding}): the files decide. The parent carries the job's
 *       row: succeeded, and the parent's version is recorded in the catalog (also when the process died right after
 *       the parent's commit). It does not: every child not yet undone is undone here, then {@code rolled_back},
 *       {@code aborted} or {@code failed}. Then the undo journals are removed, the fence lifted, the status
 *       recorded and the lock released, in that order. Afterwards every database of the family is at the parent's
 *       version, which is what {@link io.multidb.migrations.SchemaVersions} reports for every child.</li>
 *   <li><b>A job whose workflow is gone</b> (stopped, timed out, or lost with a local engine that was killed) is
 *       finished the same way by the next start, by {@code unlock}, or, locally, by the runtime at start
 *       ({@link io.multidb.migrations.MigrationControl#recoverAbandoned}).</li>
 * </ol>
 *
 * <h2>Rollout controls</h2>
 * A job's {@link io.multidb.migrations.JobPlan} changes how the change reaches the family, never what a database
 * ends with (the old version or the new one):
 * <ul>
 *   <li><b>Canary</b>: prepare numbers the canary's batches first; after the dry-run everywhere, they are applied in
 *       a Map of their own, each child then running the job's verify query read-only. Any failure is an apply
 *       failure: the ordinary rollback.</li>
 *   <li><b>Pause</b>: the workflow then loops on a short look ({@link io.multidb.migrations.MigrationSteps#awaitResume})
 *       and a Wait state, holding no Lambda, the job {@code paused} and the family still locked, until
 *       {@link io.multidb.migrations.MigrationControl#resume} or an abort ({@link io.multidb.migrations.PauseClock}).</li>
 *   <li><b>Quarantine</b>: a child that fails its dry-run or apply is recorded, not thrown; the others and the parent
 *       go on; {@code finish} marks each failed child behind on its catalog item
 *       ({@link io.multidb.databases.Database.Behind}) and ends the job {@code succeeded_with_quarantine}. Later jobs
 *       skip behind children; {@link io.multidb.migrations.SchemaVersions} reports their own version.</li>
 *   <li><b>Repair</b> ({@link io.multidb.migrations.Repairs}): a job whose children each replay the recorded
 *       migrations they lack, from their file's version, in one transaction; the parent only records the job, so
 *       the parent's version row still decides the outcome. Retry of a quarantining job is a repair of its behind
 *       children.</li>
 * </ul>
 *
 * <h2>Where the pieces are</h2>
 * Orchestration is {@link io.multidb.migrations.MigrationSteps} (the workflow's steps: which databases, in which
 * order, what is recorded) and {@link io.multidb.migrations.MigrationControl} (the control plane's use cases);
 * the per-database work is a {@link io.multidb.migrations.DatabaseMigrator}
 * ({@link io.multidb.migrations.SqliteMigrator} on files; tests decorate it to inject failures). This package has no
 * AWS types: the workflow itself is {@code statemachines/schema-migration.asl.json}, its task function is
 * {@code io.multidb.tasks.MigrationTaskHandler}, the stores are adapters of
 * {@link io.multidb.migrations.MigrationStore} (DynamoDB; an in-memory fake for tests) and of
 * {@link io.multidb.migrations.WorkflowStarter} (Step Functions, or aws-local-stepfunctions locally).
 */
package io.multidb.migrations;
