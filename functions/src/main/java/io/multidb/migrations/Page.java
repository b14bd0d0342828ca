package io.multidb.migrations;

import java.util.List;

/** One page of a listing; {@code next} is the cursor for the following page, null at the end. */
public record Page<T>(List<T> items, String next) {
    public Page {
        items = List.copyOf(items);
    }
}
