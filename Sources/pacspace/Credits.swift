import ArgumentParser
import Foundation
import PacSpaceCore
import PacSpaceServer
import PacSpaceStore

/// `pacspace credits …`: the operator's credit tools.
struct Credits: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage tenants' credits.", subcommands: [Grant.self])

    /// `pacspace credits grant --tenant tnt_… --amount 100`: adds credits (a top-up entry).
    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add credits to a tenant (recorded as a topup entry).")

        @OptionGroup var common: CommonOptions
        @Option(help: "The tenant id (tnt_…).") var tenant: String
        @Option(help: "Credits to add (up to 6 decimal places).") var amount: String
        @Option(help: "The ledger entry's description.") var description = "Operator top-up"

        func run() async throws {
            guard let credits = try? Amount(parsing: amount), credits > .zero else {
                throw ValidationError("--amount must be a positive number with at most 6 decimal places")
            }
            try await common.withMigratedDatabase { [tenant, description] database, configuration in
                guard try await AccountStore(database: database).tenant(id: tenant) != nil else {
                    throw ValidationError("no tenant \(tenant) in \(configuration.databaseDescription)")
                }
                let balance = try await CreditStore(database: database).grant(
                    tenantID: tenant,
                    amount: credits,
                    type: .topup,
                    description: description,
                    now: configuration.now()
                )
                print("granted \(credits) credits to \(tenant): balance \(balance.balance), available \(balance.available)")
            }
        }
    }
}
