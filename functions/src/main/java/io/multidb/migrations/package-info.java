/**
 * Schema migrations: how a change sent to a schema database reaches every child database, or none.
 *
 * <h2>The story</h2>
 * A family is one schema database (the parent) and its children, each a SQLite file, all at the same schema
 * version. A migration is a {@link io.multidb.migrations.MigrationJob} with one
 * {@link io.multidb.migrations.MigrationTask} per database.
 * <ol>
 *   <li><b>Start</b> ({@link io.multidb.migrations.MigrationService#start}): the SQL is checked
 *       ({@link io.multidb.migrations.MigrationSql}: non-empty; an ORM's BEGIN/COMMIT wrapping dropped, since every
 *       database runs the migration in a transaction of ours), the job is recorded (pending), then the family's
 *       lock is taken with a conditional write on the parent's catalog item ({@code migration_job}). From then on
 *       writes to every database of the family are refused with BLOCKED naming the job (reads go on), children
 *       cannot be created or deleted, and a second start gets CONFLICT naming this job. A lock whose job no
 *       longer runs (its workflow execution ended without finishing it) is finished and released by the next
 *       start or by {@link io.multidb.migrations.MigrationService#releaseStaleLock}. Last, the workflow is started
 *       through {@link io.multidb.migrations.WorkflowStarter}, the execution named after the job id.</li>
 *   <li><b>Prepare</b>: lists the children once no child create that began before the lock is still in flight,
 *       records the tasks and splits the children into batches; only batch numbers enter the workflow's state.</li>
 *   <li><b>Dry-run</b> the parent, then every child (one workflow Map iteration per batch, each batch with its
 *       own bounded parallelism): the SQL in a transaction on the real file, always rolled back. Each outcome is
 *       recorded with SQLite's own error text. Any failure ends the job {@code failed}, nothing changed.</li>
 *   <li><b>Apply</b> to every child: under the file's write lock, check the job is still applying, keep a copy
 *       of the file ({@code VACUUM INTO copies/{job}/{db}.db}; the family is write-locked, so it is exact), run
 *       the SQL and insert this job's row in {@code _multidb_schema(version, job_id, applied_at)} in ONE
 *       transaction, then record the task and the database's {@code schema_version}. A database that already
 *       has the row is left alone and reported applied: a retried or duplicated apply happens once.</li>
 *   <li><b>Apply to the parent</b>, only when every child is applied. After its commit the job can only
 *       succeed (a later failure is finished as succeeded, never rolled back).</li>
 *   <li><b>On a failure after the dry-run, or an abort</b>: the job moves to {@code rolling_back} (after which
 *       no apply starts: they check under the file's lock), then every child that has this job's row is put back
 *       from its copy with SQLite's backup API onto the live file (never a rename over it) and its version reset;
 *       the parent was never touched. The job ends {@code rolled_back} (or {@code aborted}) naming the databases
 *       that failed and why.</li>
 *   <li><b>Finish</b> removes the copies, lifts the fence, records the final status and releases the lock, in
 *       that order: whoever sees the job ended finds the family writable (and a wait on it returns once the
 *       lock is released too). Afterwards every database of the family is at the parent's schema version.</li>
 * </ol>
 *
 * <h2>Where the pieces are</h2>
 * This package has no AWS types: the workflow itself is {@code statemachines/schema-migration.asl.json}, its
 * task function is {@code io.multidb.tasks.MigrationTaskHandler}, the stores are adapters of
 * {@link io.multidb.migrations.MigrationStore} (DynamoDB; an in-memory fake for tests) and of
 * {@link io.multidb.migrations.WorkflowStarter} (Step Functions, or aws-local-stepfunctions locally). Copies and
 * restores are {@link io.multidb.storage.SqliteCopies}.
 */
package io.multidb.migrations;
