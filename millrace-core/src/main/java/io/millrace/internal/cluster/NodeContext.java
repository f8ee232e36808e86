package io.millrace.internal.cluster;

import io.micrometer.core.instrument.MeterRegistry;
import io.millrace.base.JsonCodec;
import io.millrace.schema.SchemaName;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Duration;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * What every component of one node shares: where the data lives, who this node is, and the timing
 * settings more than one capability obeys.
 *
 * @param lease how long a claim (job, backfill batch, projection) holds without renewal
 * @param pollInterval how often idle loops look for work when no notification comes
 * @param listen whether loops wake on PostgreSQL notifications
 * @param json how the application's values (args, results, event data, documents) become JSON
 * @param openTelemetry where spans go; asked for when a capability starts (the default reads
 *     GlobalOpenTelemetry then, after the application has had the chance to set it)
 * @param directDataSource where the node's session connections come from (the leader lock and
 *     LISTEN): a direct connection to PostgreSQL, or {@code dataSource} when none was configured
 * @param notifier the node's one LISTEN connection, which capabilities subscribe to before the node
 *     starts (it opens nothing when {@code listen} is off)
 */
public record NodeContext(
    DataSource dataSource,
    SchemaName schema,
    String nodeId,
    Duration lease,
    Duration pollInterval,
    boolean listen,
    MeterRegistry meters,
    JsonCodec json,
    Supplier<OpenTelemetry> openTelemetry,
    DataSource directDataSource,
    Notifier notifier) {}
