// The effectful shell around PersistenceCore (probing, executing, system calls). Users of
// PersistenceKit see the core's values and rules as if they were declared here.
@_exported import PersistenceCore
