// Package chain is Flint's consensus: the types and their encodings, the
// rules, and the engine that keeps the best chain on disk.
//
// # What is in it
//
// Bottom layer, pure and free of state — the consensus types and their
// wire encodings (hash.go, header.go, tx.go, block.go, wire.go), the merkle
// root, signature hash and address encodings (merkle.go, sighash.go,
// address.go), amounts, network parameters (params.go, genesis.go), compact
// bits and work (pow.go) and the ASERT difficulty rule (asert.go). Nothing
// here touches the database; p2p, mempool, miner, wallet and rpc use these
// for their own purposes.
//
// Middle layer, the rules as functions a test can call alone (validate.go,
// connect.go): CheckTransactionSanity and CheckBlockSanity need no context,
// checkHeaderContext needs the parent's index node, checkBlockContext the
// height and median time past, and connection the UTXO set.
//
// Top layer, the engine: a BlockChain on badger (chain.go, schema.go for the
// whole key layout). Its block index (blockindex.go, indexstate.go) holds a
// node per known header — with or without its body — linked to its parent
// and, through a skip pointer, to a further ancestor, so any ancestor is
// found in O(log n). Headers arrive in batches (ProcessHeaders, headers.go)
// and make the best header; bodies arrive in any order (ProcessBlock,
// process.go) and connect once all their ancestors' bodies are stored. The
// tip is chosen among candidate blocks whose chains are stored, never by
// scanning the index (reorg.go); invalidateblock and reconsiderblock are in
// manual.go. Notifications of connected and disconnected blocks are
// delivered in order by one goroutine (notify.go).
//
// # Locks
//
// BlockChain has two locks, always taken in this order:
//
//   - processLock serialises every change of chain state (ProcessBlock,
//     ProcessHeaders, InvalidateBlock, ReconsiderBlock, Close) and guards the
//     orphan pool, the candidate set and the blocks cache of a call.
//   - stateLock guards the in-memory view that queries read: the index and
//     the nodes' status, the main chain and the best header. A writer holds
//     processLock as well, so code holding processLock may read that view
//     without stateLock.
//
// The notification queue's mutex and the signature cache's are leaves: no
// other lock is taken while holding them. Subscribers are called with no
// chain lock held, and a public method that changed the chain waits for its
// own notifications only after releasing processLock.
package chain
