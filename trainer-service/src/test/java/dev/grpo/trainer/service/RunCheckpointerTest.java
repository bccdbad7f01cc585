package dev.grpo.trainer.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grpo.contracts.PolicyRef;
import dev.grpo.contracts.PolicyVersion;
import dev.grpo.contracts.Topics;
import dev.grpo.policy.checkpoint.HfCheckpoint;
import dev.grpo.policy.train.StepMetrics;
import dev.grpo.policy.train.TrainingGroup;
import dev.grpo.trainer.metrics.TrainerMetrics;
import dev.grpo.trainer.pacing.OffsetLedger;
import dev.grpo.trainer.persistence.PromptGroupEntity;
import dev.grpo.trainer.service.FaultInjector.Point;
import dev.grpo.trainer.service.FaultInjector.SimulatedCrash;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Saving, recording and publishing versions, and reading them back on resume. */
class RunCheckpointerTest {
  private static final String RUN = "r";
  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

  @TempDir Path root;
  private final FakeRunRecords store = new FakeRunRecords();
  private final RecordedEvents events = new RecordedEvents(store.calls);
  private final OffsetLedger<Integer> ledger = new OffsetLedger<>();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final List<String> faults = new ArrayList<>();
  private FaultInjector injector = (p, r, s) -> faults.add(p + " " + s);
  private final FakeBackend backend = new FakeBackend();

  /** Writes a weights file whose bytes change with every save, and the extra files. */
  static final class FakeBackend implements TrainingBackend {
    int saves;
    Path loaded;

    @Override
    public StepMetrics step(int step, List<TrainingGroup> batch) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void save(Path dir, Map<String, Consumer<Path>> extraFiles) {
      try {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("model.safetensors"), "weights " + saves++);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      extraFiles.forEach((name, writer) -> writer.accept(dir.resolve(name)));
    }

    @Override
    public void loadState(Path dir) {
      loaded = dir;
    }

    @Override
    public void close() {}
  }

  private RunCheckpointer checkpointer() {
    return new RunCheckpointer(
        RUN,
        11,
        root,
        backend,
        store,
        events,
        new TrainerMetrics(registry),
        ledger,
        (p, r, s) -> injector.at(p, r, s),
        Clock.fixed(NOW, ZoneOffset.UTC));
  }

  @Test
  void beforeVersionZeroThereIsNoVersion() {
    var c = checkpointer();
    assertThat(c.currentVersion()).isEqualTo(-1);
    assertThat(c.latestRef()).isNull();
  }

  @Test
  void aSaveIsRecordedThenPublishedAndItsVersionIsTheNext() throws Exception {
    var c = checkpointer();
    c.save(0, 0);
    c.save(2, 8);
    assertThat(store.calls)
        .containsExactly(
            "recordVersion 0", "send grpo.policy", "recordVersion 1", "send grpo.policy");
    var v1 = store.versions.get(1);
    Path dir = root.resolve(RUN).resolve("v000001").toAbsolutePath();
    assertThat(v1.checkpointUri).isEqualTo(RunCheckpointer.fileUri(dir)).doesNotEndWith("/");
    assertThat(Path.of(URI.create(v1.checkpointUri))).isEqualTo(dir);
    assertThat(v1.sha256).isEqualTo(HfCheckpoint.sha256(dir));
    assertThat(v1.step).isEqualTo(2);
    var published = events.on(Topics.POLICY).get(1);
    assertThat(published.key()).isEqualTo(RUN);
    assertThat(published.as(PolicyVersion.class))
        .isEqualTo(new PolicyVersion(1, RUN, 1, 2, v1.checkpointUri, v1.sha256, NOW));
    assertThat(c.currentVersion()).isEqualTo(1);
    assertThat(c.latestRef()).isEqualTo(new PolicyRef(1, v1.checkpointUri, v1.sha256));
    assertThat(registry.find("grpo.trainer.policy.version").gauge().value()).isEqualTo(1);
    assertThat(faults).containsExactly("AFTER_CHECKPOINT 0", "AFTER_CHECKPOINT 2");
  }

  @Test
  void theRunStateListsEveryTrainedGroupAndTheRngState() throws Exception {
    var c = checkpointer();
    c.save(0, 0);
    c.trained(List.of("r-g0", "r-g1"));
    c.trained(List.of("r-g3", "r-g2"));
    c.save(2, 6);
    Path dir = root.resolve(RUN).resolve("v000001");
    var json = new ObjectMapper().readTree(dir.resolve(RunCheckpointer.RUN_STATE_FILE).toFile());
    assertThat(json.get("format").asText()).isEqualTo("grpo-run-state-v1");
    assertThat(json.get("runId").asText()).isEqualTo(RUN);
    assertThat(json.get("step").asInt()).isEqualTo(2);
    assertThat(json.get("version").asInt()).isEqualTo(1);
    assertThat(json.at("/rng/algorithm").asText()).isEqualTo("splitmix64(seed, promptIndex)");
    assertThat(json.at("/rng/seed").asLong()).isEqualTo(11);
    assertThat(json.at("/rng/nextPromptIndex").asLong()).isEqualTo(6);
    assertThat(RunCheckpointer.readRunState(dir))
        .isEqualTo(
            new RunCheckpointer.RunState(2, 1, 11, 6, List.of("r-g0", "r-g1", "r-g3", "r-g2")));
  }

  @Test
  void trainedGroupsBecomeSafeToCommitOnlyOnceTheirCheckpointIsRecorded() {
    var c = checkpointer();
    c.save(0, 0);
    ledger.received(0, 0, "r-g0");
    c.trained(List.of("r-g0"));
    assertThat(ledger.committable()).containsEntry(0, 0L);
    c.save(1, 2);
    assertThat(ledger.committable()).containsEntry(0, 1L);
  }

  @Test
  void aCrashAfterTheCheckpointLeavesItsGroupsUncommitted() {
    var c = checkpointer();
    c.save(0, 0);
    ledger.received(0, 0, "r-g0");
    c.trained(List.of("r-g0"));
    injector =
        (p, r, s) -> {
          if (p == Point.AFTER_CHECKPOINT) {
            throw new SimulatedCrash("kill");
          }
        };
    assertThatThrownBy(() -> c.save(1, 2)).isInstanceOf(SimulatedCrash.class);
    assertThat(store.versions).hasSize(2);
    assertThat(ledger.committable()).containsEntry(0, 0L);
  }

  @Test
  void aVersionThatCannotBePublishedIsNotInForce() {
    var c = checkpointer();
    c.save(0, 0);
    events.failWith(new IllegalStateException("broker away"));
    assertThatThrownBy(() -> c.save(1, 2)).hasMessageContaining("cannot publish a PolicyVersion");
    assertThat(c.currentVersion()).isZero();
  }

  @Test
  void resumeVerifiesTheHashReadsTheStateAndRollsTheDatabaseBack() throws Exception {
    var first = checkpointer();
    first.save(0, 0);
    first.trained(List.of("r-g0", "r-g1"));
    first.save(1, 4);
    for (String id : List.of("r-g0", "r-g1", "r-g2", "r-g3")) {
      store.addIssued(RUN, id, Long.parseLong(id.substring(3)));
    }
    store.groups.get("r-g0").state = PromptGroupEntity.TRAINED;
    store.groups.get("r-g1").state = PromptGroupEntity.TRAINED;
    store.groups.get("r-g2").state = PromptGroupEntity.TRAINED;
    store.groups.get("r-g3").state = PromptGroupEntity.DROPPED;

    var v = store.latestVersion(RUN).orElseThrow();
    assertThat(RunCheckpointer.verifiedDir(v)).isEqualTo(Path.of(URI.create(v.checkpointUri)));
    var c = checkpointer();
    var restored = c.restore(v);
    assertThat(restored.state().step()).isEqualTo(1);
    assertThat(store.calls).contains("rollbackTo 1");
    assertThat(restored.groups().inFlight()).extracting(g -> g.groupId).containsExactly("r-g2");
    assertThat(restored.groups().decided()).containsExactly("r-g0", "r-g1", "r-g3");

    ledger.received(0, 0, "r-g0");
    c.resumeAt(v, restored.state());
    assertThat(c.currentVersion()).isEqualTo(1);
    assertThat(c.latestRef()).isEqualTo(new PolicyRef(1, v.checkpointUri, v.sha256));
    assertThat(ledger.pendingCount()).isZero();
    c.republish(v);
    assertThat(events.on(Topics.POLICY).get(2).as(PolicyVersion.class).createdAt())
        .isEqualTo(v.createdAt);
    // The next save continues the version count and keeps the checkpoint's groups.
    c.trained(List.of("r-g2"));
    c.save(2, 6);
    assertThat(RunCheckpointer.readRunState(root.resolve(RUN).resolve("v000002")).trainedGroupIds())
        .containsExactly("r-g0", "r-g1", "r-g2");
  }

  @Test
  void aCheckpointWhoseFilesChangedIsRefused() throws Exception {
    checkpointer().save(0, 0);
    var v = store.latestVersion(RUN).orElseThrow();
    Files.writeString(Path.of(URI.create(v.checkpointUri)).resolve("model.safetensors"), "other");
    assertThatThrownBy(() -> RunCheckpointer.verifiedDir(v))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("recorded " + v.sha256);
  }

  @Test
  void aRunStateOfAnotherFormatIsRefused() throws Exception {
    Files.writeString(root.resolve(RunCheckpointer.RUN_STATE_FILE), "{\"format\":\"v0\"}");
    assertThatThrownBy(() -> RunCheckpointer.readRunState(root))
        .hasMessageContaining("format must be grpo-run-state-v1, was \"v0\"");
    assertThatThrownBy(() -> RunCheckpointer.readRunState(root.resolve("missing")))
        .isInstanceOf(UncheckedIOException.class);
  }
}
