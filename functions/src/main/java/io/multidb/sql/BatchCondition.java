package io.multidb.sql;

import java.util.List;

/**
 * A batch step's condition, over the outcomes of earlier steps. A skipped step is neither ok nor error, so
 * {@code not ok(n)} holds for it: that is how the client's "ROLLBACK if not ok(COMMIT)" step fires when the
 * COMMIT was skipped because an earlier statement failed.
 */
sealed interface BatchCondition {

    enum Outcome { SKIPPED, OK, ERROR }

    boolean holds(Outcome[] outcomes);

    /** Steps are referred to by index; the parser only accepts indexes of earlier steps. */
    record Ok(int step) implements BatchCondition {
        public boolean holds(Outcome[] outcomes) {
            return outcomes[step] == Outcome.OK;
        }
    }

    record Error(int step) implements BatchCondition {
        public boolean holds(Outcome[] outcomes) {
            return outcomes[step] == Outcome.ERROR;
        }
    }

    record Not(BatchCondition cond) implements BatchCondition {
        public boolean holds(Outcome[] outcomes) {
            return !cond.holds(outcomes);
        }
    }

    record And(List<BatchCondition> conds) implements BatchCondition {
        public boolean holds(Outcome[] outcomes) {
            return conds.stream().allMatch(c -> c.holds(outcomes));
        }
    }

    record Or(List<BatchCondition> conds) implements BatchCondition {
        public boolean holds(Outcome[] outcomes) {
            return conds.stream().anyMatch(c -> c.holds(outcomes));
        }
    }

    /** Hrana 3 only; a batch using it is answered with an error result before any step runs. */
    record IsAutocommit() implements BatchCondition {
        public boolean holds(Outcome[] outcomes) {
            throw new IllegalStateException("is_autocommit is refused before the batch runs");
        }
    }
}
