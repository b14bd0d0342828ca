package io.multidb.sql;

import java.util.Map;
import java.util.Set;

/**
 * The PRAGMAs a tenant may run. Everything not listed is refused, so a PRAGMA added to a future SQLite is refused
 * until someone decides about it. Several pragmas act while the statement is prepared, not run, which is why the
 * sandbox decides before SQLite sees the text.
 */
final class Pragmas {

    enum Access {
        /** Reads, with an optional argument (a table or index name, a limit): never a setting. */
        ARGUMENT,
        /** Reads only: a value would change the file or the connection in a way we manage. */
        READ_ONLY,
        /** Reads, and writes a per-connection setting or the user_version cookie. */
        READ_WRITE
    }

    private static final Map<String, Access> ALLOWED = Map.ofEntries(
            Map.entry("table_info", Access.ARGUMENT),
            Map.entry("table_xinfo", Access.ARGUMENT),
            Map.entry("table_list", Access.ARGUMENT),
            Map.entry("index_list", Access.ARGUMENT),
            Map.entry("index_info", Access.ARGUMENT),
            Map.entry("index_xinfo", Access.ARGUMENT),
            Map.entry("foreign_key_list", Access.ARGUMENT),
            Map.entry("foreign_key_check", Access.ARGUMENT),
            Map.entry("integrity_check", Access.ARGUMENT),
            Map.entry("quick_check", Access.ARGUMENT),
            Map.entry("optimize", Access.ARGUMENT),
            Map.entry("schema_version", Access.READ_ONLY),
            Map.entry("application_id", Access.READ_ONLY),
            Map.entry("encoding", Access.READ_ONLY),
            Map.entry("page_size", Access.READ_ONLY),
            Map.entry("page_count", Access.READ_ONLY),
            Map.entry("freelist_count", Access.READ_ONLY),
            Map.entry("data_version", Access.READ_ONLY),
            Map.entry("collation_list", Access.READ_ONLY),
            Map.entry("function_list", Access.READ_ONLY),
            Map.entry("module_list", Access.READ_ONLY),
            Map.entry("pragma_list", Access.READ_ONLY),
            Map.entry("compile_options", Access.READ_ONLY),
            Map.entry("user_version", Access.READ_WRITE),
            Map.entry("foreign_keys", Access.READ_WRITE),
            Map.entry("defer_foreign_keys", Access.READ_WRITE),
            Map.entry("recursive_triggers", Access.READ_WRITE),
            Map.entry("legacy_alter_table", Access.READ_WRITE),
            Map.entry("analysis_limit", Access.READ_WRITE));

    /**
     * Writable settings that live on the connection, not in the file: a request that changes one gets it put back
     * when it ends, because the connection is pooled and serves the next request.
     */
    static final Set<String> CONNECTION_SETTINGS = Set.of(
            "foreign_keys", "defer_foreign_keys", "recursive_triggers", "legacy_alter_table", "analysis_limit");

    /**
     * Every pragma name SQLite knows (PRAGMA pragma_list of 3.54, plus the deprecated and debug ones), so that a
     * table named pragma_something that is not a pragma is not mistaken for a table-valued pragma.
     */
    private static final Set<String> KNOWN = Set.of(
            "analysis_limit", "application_id", "auto_vacuum", "automatic_index", "busy_timeout", "cache_size",
            "cache_spill", "case_sensitive_like", "cell_size_check", "checkpoint_fullfsync", "collation_list",
            "compile_options", "count_changes", "data_store_directory", "data_version", "database_list",
            "default_cache_size", "defer_foreign_keys", "empty_result_callbacks", "encoding", "foreign_key_check",
            "foreign_key_list", "foreign_keys", "freelist_count", "full_column_names", "fullfsync",
            "function_list", "hard_heap_limit", "ignore_check_constraints", "incremental_vacuum", "index_info",
            "index_list", "index_xinfo", "integrity_check", "journal_mode", "journal_size_limit",
            "legacy_alter_table", "legacy_file_format", "lock_proxy_file", "lock_status", "locking_mode",
            "max_page_count", "mmap_size", "module_list", "optimize", "page_count", "page_size", "parser_trace",
            "pragma_list", "query_only", "quick_check", "read_uncommitted", "recursive_triggers",
            "reverse_unordered_selects", "schema_version", "secure_delete", "short_column_names", "shrink_memory",
            "soft_heap_limit", "sql_trace", "stats", "synchronous", "table_info", "table_list", "table_xinfo",
            "temp_store", "temp_store_directory", "threads", "trusted_schema", "user_version",
            "vdbe_addoptrace", "vdbe_debug", "vdbe_listing", "vdbe_trace", "wal_autocheckpoint", "wal_checkpoint",
            "writable_schema", "key", "rekey", "hexkey", "hexrekey", "textkey", "textrekey", "cipher");

    private Pragmas() {
    }

    /** How a tenant may use this pragma (name in lower case), or null if not at all. */
    static Access access(String name) {
        return ALLOWED.get(name);
    }

    static boolean isKnown(String name) {
        return KNOWN.contains(name) || ALLOWED.containsKey(name);
    }

    /** Whether {@code pragma_<name>} may be read as a table-valued function. */
    static boolean readableAsTable(String name) {
        return ALLOWED.containsKey(name) && !name.equals("optimize");
    }

    /** For messages: the allowed pragmas, sorted. */
    static String allowedList() {
        return String.join(", ", new java.util.TreeSet<>(ALLOWED.keySet()));
    }
}
