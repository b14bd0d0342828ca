package io.multidb.auth;

import java.util.Objects;

/** Who a verified token speaks for. Only {@link TokenService#verify} makes one from a token. */
public sealed interface Principal {

    /** False for the admin; true for a read-only database or group token. */
    boolean readOnly();

    /** The platform (admin) token: the whole control plane and every database. */
    record Admin() implements Principal {
        public static final Admin INSTANCE = new Admin();

        @Override
        public boolean readOnly() {
            return false;
        }
    }

    /** A group token: the data plane of every database in {@code group}. */
    record GroupPrincipal(String group, boolean readOnly) implements Principal {
        public GroupPrincipal {
            Objects.requireNonNull(group);
        }
    }

    /** A database token: the data plane of {@code database}; for a schema database also its job endpoints. */
    record DatabasePrincipal(String database, boolean readOnly) implements Principal {
        public DatabasePrincipal {
            Objects.requireNonNull(database);
        }
    }
}
