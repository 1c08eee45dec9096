"""The referral and feedback ledger (移送与反馈台账): matters the union refers to other agencies
(人社 labour inspection, arbitration, courts, the procuratorate ...), their answers and clocks,
the matters agencies refer to the union, the overdue sweep and the joint-meeting pack."""
