package io.multidb.databases;

import java.util.List;

/**
 * One page of databases in name order; {@code next} is the cursor for the following page, null at the end. A page
 * may hold fewer than the limit and still have a next page (the catalog bounds how much it reads per request).
 */
public record DatabasePage(List<Database> items, String next) {
    public DatabasePage {
        items = List.copyOf(items);
    }
}
