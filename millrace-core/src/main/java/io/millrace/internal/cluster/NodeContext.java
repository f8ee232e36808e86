package io.millrace.internal.cluster;

import io.micrometer.core.instrument.MeterRegistry;
import io.millrace.base.JsonCodec;
import io.millrace.schema.SchemaName;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * What every component of one node shares: where the data lives, who this node is, and the timing
 * settings more than one capability obeys.
 *
 * @param lease how long a claim (job, backfill batch, projection) holds without renewal
 * @param pollInterval how often idle loops look for work when no notification comes
 * @param listen whether loops wake on PostgreSQL notifications
 * @param json how the application's values (args, results, event data, documents) become JSON
 * @param directDataSource where the node's session connections come from (the leader lock and
 *     LISTEN): a direct connection to PostgreSQL, or {@code dataSource} when none was configured
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
    DataSource directDataSource) {}
