/** Rewards context: reward rules as data, their evaluation into the ledger, balances and adjustments. */
export { RewardService, ZAdjustmentSchema, moneyOf, type ProgramEvaluation } from './reward.service.js';
export { describeRule, REWARD_RULE_TYPES, ZRewardRulesSchema, type TRewardRule, type TRewardRules } from './rules.js';
export { LEDGER_KINDS, type LedgerEntryRow } from './ledger.repository.js';
export { buildRewardsView, kwhToOneDecimal, type Earning, type Payment, type RewardsView } from './rewards-view.js';
