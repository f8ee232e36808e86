package io.millrace.projections;

import com.fasterxml.jackson.databind.JsonNode;
import io.millrace.base.Json;
import io.millrace.base.JsonCodec;
import io.millrace.base.MillraceException;
import io.millrace.base.Storable;
import io.millrace.base.TypeRef;
import io.millrace.base.ValidationException;
import io.millrace.internal.sql.SqlFile;
import java.lang.reflect.Type;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A projection's JSON documents keyed by id, as seen by a handler during one page. Reads go to the
 * database once per id and page; writes are kept and flushed at the end of the page in one batch,
 * before the page commits with its checkpoint. Per page that is one read per distinct id touched
 * and one batched round trip of writes, instead of a read and a write per event.
 */
public final class Documents {
  static final int MAX_ID_CHARS = 200;

  private final Connection connection;
  private final SqlFile sql;
  private final String projection;
  private final Map<String, Optional<JsonNode>> cache = new HashMap<>();
  private final Set<String> dirty = new LinkedHashSet<>();
  private final JsonCodec codec;

  Documents(Connection connection, SqlFile sql, String projection, JsonCodec codec) {
    this.connection = connection;
    this.codec = codec;
    this.sql = sql;
    this.projection = projection;
  }

  /** The document, as of this page's writes so far. */
  public Optional<JsonNode> get(String id) {
    checkId(id);
    Optional<JsonNode> doc = cache.get(id);
    if (doc == null) {
      doc = load(id);
      cache.put(id, doc);
    }
    return doc.map(JsonNode::deepCopy);
  }

  /**
   * Loads the documents of {@code ids} not yet read in this page with one query, so that a page
   * touching many documents costs one round trip instead of one per document. Call it from {@link
   * ProjectionHandler#applyPage} with the ids the page will touch.
   */
  public void prefetch(Collection<String> ids) {
    List<String> missing = new ArrayList<>();
    for (String id : ids) {
      checkId(id);
      if (!cache.containsKey(id)) {
        missing.add(id);
      }
    }
    if (missing.isEmpty()) {
      return;
    }
    try (PreparedStatement ps = connection.prepareStatement(sql.get("get_many"))) {
      ps.setString(1, projection);
      ps.setArray(2, connection.createArrayOf("text", missing.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          cache.put(rs.getString(1), Optional.of(Json.tree(rs.getString(2))));
        }
      }
    } catch (SQLException e) {
      throw new MillraceException(
          "could not read documents of projection " + projection + ": " + e.getMessage(), e);
    }
    for (String id : missing) {
      cache.putIfAbsent(id, Optional.empty());
    }
  }

  /** The document read into {@code type} by the node's {@link JsonCodec}. */
  public <T> Optional<T> get(String id, Class<T> type) {
    @SuppressWarnings("unchecked") // the codec read it as {@code type}
    Optional<T> doc = (Optional<T>) read(id, type);
    return doc;
  }

  /**
   * The document read into a generic type: {@code get(id, new TypeRef<Map<String, Line>>() {})}.
   */
  @SuppressWarnings("unchecked") // the codec read it as the TypeRef's type
  public <T> Optional<T> get(String id, TypeRef<T> type) {
    return (Optional<T>) read(id, type.type());
  }

  private Optional<Object> read(String id, Type type) {
    return get(id)
        .map(
            node -> {
              try {
                return Json.decode(codec, Json.write(node), type);
              } catch (RuntimeException e) {
                throw new MillraceException(
                    "document '"
                        + id
                        + "' of projection "
                        + projection
                        + " does not read as "
                        + type.getTypeName()
                        + ": "
                        + e.getMessage(),
                    e);
              }
            });
  }

  /**
   * Creates or replaces the document with {@code doc} written to JSON by the node's {@link
   * JsonCodec} (a {@code JsonNode} is kept as it is).
   */
  public void put(String id, Object doc) {
    checkId(id);
    if (doc == null) {
      throw new ValidationException("doc", "must not be null; use delete(id)");
    }
    JsonNode tree =
        doc instanceof JsonNode node
            ? Storable.json("doc", node.deepCopy())
            : Json.encode(codec, "doc", doc);
    // Checked here, where the handler can see which document: at flush the page would just fail.
    cache.put(id, Optional.of(tree));
    dirty.add(id);
  }

  public void delete(String id) {
    checkId(id);
    cache.put(id, Optional.empty());
    dirty.add(id);
  }

  /** Writes this page's changes: one batch of upserts and one of deletes. */
  void flush() throws SQLException {
    if (dirty.isEmpty()) {
      return;
    }
    try (PreparedStatement upsert = connection.prepareStatement(sql.get("upsert"));
        PreparedStatement delete = connection.prepareStatement(sql.get("delete"))) {
      boolean upserts = false;
      boolean deletes = false;
      for (String id : dirty) {
        Optional<JsonNode> doc = cache.get(id);
        if (doc == null) {
          // put and delete mark an id dirty only after caching it.
          throw new IllegalStateException("document " + id + " is dirty but not cached");
        }
        if (doc.isPresent()) {
          upsert.setString(1, projection);
          upsert.setString(2, id);
          upsert.setString(3, Json.write(doc.get()));
          upsert.addBatch();
          upserts = true;
        } else {
          delete.setString(1, projection);
          delete.setString(2, id);
          delete.addBatch();
          deletes = true;
        }
      }
      if (upserts) {
        upsert.executeBatch();
      }
      if (deletes) {
        delete.executeBatch();
      }
    }
    dirty.clear();
  }

  private Optional<JsonNode> load(String id) {
    try (PreparedStatement ps = connection.prepareStatement(sql.get("get"))) {
      ps.setString(1, projection);
      ps.setString(2, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(Json.tree(rs.getString(1))) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new MillraceException(
          "could not read document '"
              + id
              + "' of projection "
              + projection
              + ": "
              + e.getMessage(),
          e);
    }
  }

  static void checkId(String id) {
    if (id == null || id.isEmpty() || id.length() > MAX_ID_CHARS) {
      throw new ValidationException("id", "must be 1 to " + MAX_ID_CHARS + " characters");
    }
    Storable.text("id", id);
  }
}
