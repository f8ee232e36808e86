package io.millrace.cli;

import io.millrace.base.MillraceException;
import io.millrace.workflows.WorkflowView;
import io.millrace.workflows.Workflows;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "workflows",
    mixinStandardHelpOptions = true,
    description = "List, show and cancel workflows.",
    subcommands = {
      WorkflowsCommand.ListWorkflows.class,
      WorkflowsCommand.Show.class,
      WorkflowsCommand.Cancel.class
    })
final class WorkflowsCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List workflows, newest first.")
  static final class ListWorkflows implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Spec CommandSpec spec;

    @Option(names = "--namespace", description = "Only this namespace. Default: all.")
    @Nullable String namespace;

    @Option(names = "--tag", description = "Only workflows with this tag. Default: all.")
    @Nullable String tag;

    @Option(
        names = "--before",
        paramLabel = "ID",
        description = "Only ids below this (the next page). Default: none.")
    @Nullable Long before;

    @Option(
        names = "--limit",
        defaultValue = "50",
        description = "At most this many, 1 to 500. Default: ${DEFAULT-VALUE}.")
    int limit;

    @Option(names = "--json", description = "Print JSON instead of a table. Default: false.")
    boolean json;

    @Override
    public Integer call() {
      try (Session session = Session.open(connection)) {
        List<WorkflowView.Summary> page =
            session.millrace().workflows().list(namespace, tag, before, limit);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
          Output.json(out, page);
          return 0;
        }
        List<List<String>> rows = new ArrayList<>();
        for (WorkflowView.Summary w : page) {
          rows.add(
              List.of(
                  Long.toString(w.id()),
                  w.name(),
                  String.valueOf(w.namespace() == null ? "-" : w.namespace()),
                  w.status().value(),
                  w.completed() + "/" + w.members(),
                  Integer.toString(w.open()),
                  String.valueOf(w.createdAt())));
        }
        Output.table(
            out,
            List.of("ID", "NAME", "NAMESPACE", "STATUS", "COMPLETED", "OPEN", "CREATED"),
            rows);
        return 0;
      }
    }
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description =
          "Print one workflow as JSON: its members with their states and joins, and its edges.")
  static final class Show implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID")
    long id;

    @Override
    public Integer call() {
      try (Session session = Session.open(connection)) {
        WorkflowView.Detail detail =
            session
                .millrace()
                .workflows()
                .get(id)
                .orElseThrow(() -> new MillraceException("workflow " + id + " not found"));
        Output.json(spec.commandLine().getOut(), detail);
        return 0;
      }
    }
  }

  @Command(
      name = "cancel",
      mixinStandardHelpOptions = true,
      description =
          "Cancel every unfinished member: waiting ones at once, running ones by asking their node to stop.")
  static final class Cancel implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID")
    long id;

    @Override
    public Integer call() {
      try (Session session = Session.open(connection)) {
        if (session.millrace().workflows().cancel(id) == Workflows.CancelResult.NOT_FOUND) {
          throw new MillraceException("workflow " + id + " not found");
        }
        Output.json(spec.commandLine().getOut(), Map.of("id", id, "result", "cancelled"));
        return 0;
      }
    }
  }
}
