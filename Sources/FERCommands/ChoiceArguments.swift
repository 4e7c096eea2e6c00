import ArgumentParser
import FERData
import FEREval
import FERNet
import FERStages

// The choice options of the stages, parsed by argument-parser: `--help` lists their values and a bad
// value is a usage error naming them.
extension OptimizerKind: ExpressibleByArgument {}
extension LearningRateSchedule: ExpressibleByArgument {}
extension Trainer.ClassWeighting: ExpressibleByArgument {}
extension TrainStage.Augmentation: ExpressibleByArgument {}
extension Deduplicator.ConflictPolicy: ExpressibleByArgument {}
extension Exporter.Format: ExpressibleByArgument {}
extension SplitChoice: ExpressibleByArgument {}
extension AnnotateStage.Votes: ExpressibleByArgument {}
extension TestTimeAugmentation: ExpressibleByArgument {}

extension Balancer.Target: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

extension Layout: ExpressibleByArgument {}
extension FaceColor: ExpressibleByArgument {}
extension ConfidentLearning.Filter: ExpressibleByArgument {}
extension ConfidentLearning.Ranking: ExpressibleByArgument {}
extension SuspectsStage.Apply: ExpressibleByArgument {}
extension SuspectsStage.Copies: ExpressibleByArgument {}
extension FaceMode: ExpressibleByArgument {}
