package io.millrace.projections;

/**
 * Test hooks at the points of a page write where a crash matters: before the page is read, after
 * the handler ran but before the commit, and after the commit but before the runner knows it. A
 * test throws an {@link Error} from one to kill the runner there; production uses {@link #NONE}.
 */
interface FaultPoints {
  FaultPoints NONE = (point, pageEnd) -> {};

  enum Point {
    BEFORE_PAGE,
    BEFORE_COMMIT,
    AFTER_COMMIT
  }

  void at(Point point, LogPosition pageEnd);
}
