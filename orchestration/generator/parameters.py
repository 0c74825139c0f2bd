"""Every magnitude the generator uses, in one place. seeds/README.md gives the source of each.

Amounts are yuan, rates are per person and year unless the name says otherwise. The values
marked "calibrated" were tuned so that the generated data shows the DOMAIN.md figures named in
their comment; the measured outcome is in seeds/README.md.
"""

from __future__ import annotations

# --- categories and classes ---------------------------------------------------------------
SCHEMES = ("employee", "resident")
EMPLOYEE, RESIDENT = 0, 1
CATEGORIES = ("ordinary", "retired", "low_income", "extreme_poverty", "poverty_registered")
ORDINARY, RETIRED, LOW_INCOME, EXTREME_POVERTY, POVERTY_REGISTERED = range(5)
POVERTY_CATEGORIES = (LOW_INCOME, EXTREME_POVERTY, POVERTY_REGISTERED)

# Institution classes: the tiers that decide where a visit goes, what it costs and what the
# fund pays. Level 1 and unrated ("0") hospitals form one class.
CLASSES = ("level3", "level2", "level1", "primary", "clinic", "pharmacy", "out_of_area")
LEVEL3, LEVEL2, LEVEL1, PRIMARY, CLINIC, PHARMACY, OUT_OF_AREA = range(7)
VISIT_TYPES = ("inpatient", "outpatient_special", "outpatient_general", "pharmacy")
INPATIENT, SPECIAL, GENERAL, PURCHASE = range(4)
SEVERITIES = ("mild", "moderate", "severe")
AGE_BANDS = ("child", "adult", "elderly")  # 0-14, 15-59, 60+ (census bands)

# --- population ------------------------------------------------------------------------------
# Insured persons per registered inhabitant: ≈ 5 million insured of 5.65 million registered.
COVERAGE_RANGE = (0.86, 0.92)
RETIRED_SHARE_OF_EMPLOYEES = 0.28
# Residents' ages (years, share): Guangxi 2020 census 23.6 % under 15, 16.7 % 60 and over;
# residents are a little younger and older than everybody because employees are of working age.
RESIDENT_AGE_BANDS = ((0, 15, 0.26), (15, 60, 0.55), (60, 80, 0.15), (80, 100, 0.04))
RESIDENT_CATEGORY_SHARES = {LOW_INCOME: 0.04, EXTREME_POVERTY: 0.005, POVERTY_REGISTERED: 0.08}
MALE_SHARE = {EMPLOYEE: 0.55, RESIDENT: 0.51}
# Each month, new enrollees (births, arrivals) ≈ 0.25 % of the initial population, 40 % newborns.
NEW_ENROLLEES_PER_MONTH = 0.0025
NEWBORN_SHARE_OF_NEW = 0.40
# Monthly probability that an enrollment ends (death or moving away), by age band.
MONTHLY_EXIT = {"child": 0.0004, "adult": 0.0006, "elderly": 0.0025}
# Chronic or special disease (門診慢特病) prevalence by age band; which one: diagnoses.csv weights.
CONDITION_PREVALENCE = {"child": 0.005, "adult": 0.06, "elderly": 0.35}

# --- visit rates (per person and year) -------------------------------------------------------
# Inpatient stays, before the extra stays of persons with a condition (diagnoses.csv).
# Calibrated: all insured ≈ 17 %/year, retirees ≈ 45-50 % (DOMAIN: 15-20 %, retirees ≈ 50 %).
INPATIENT_RATE = {"child": 0.10, "adult": 0.09, "elderly": 0.25}
INPATIENT_RATE_EMPLOYEE = {ORDINARY: 0.09, RETIRED: 0.38}
POVERTY_INPATIENT_FACTOR = 1.3
GENERAL_OUTPATIENT_RATE = {"child": 2.0, "adult": 1.6, "elderly": 3.0}
GENERAL_OUTPATIENT_RATE_EMPLOYEE = {ORDINARY: 2.5, RETIRED: 4.0}
PHARMACY_RATE_EMPLOYEE = {ORDINARY: 8.0, RETIRED: 14.0}  # personal-account purchases
# Month-of-year factors for inpatient and general outpatient visits (winter peak, Spring Festival dip).
SEASON = (1.08, 0.88, 1.04, 1.00, 0.98, 0.96, 0.97, 0.98, 0.97, 1.00, 1.02, 1.12)

# --- where visits go -------------------------------------------------------------------------
# Share of visits per institution class, by visit type and severity of the diagnosis.
CLASS_SHARES = {
    ("inpatient", "mild"): {LEVEL3: 0.10, LEVEL2: 0.35, LEVEL1: 0.25, PRIMARY: 0.30},
    ("inpatient", "moderate"): {LEVEL3: 0.30, LEVEL2: 0.45, LEVEL1: 0.12, PRIMARY: 0.13},
    ("inpatient", "severe"): {LEVEL3: 0.65, LEVEL2: 0.30, LEVEL1: 0.05},
    ("outpatient_special", "mild"): {LEVEL3: 0.15, LEVEL2: 0.35, PRIMARY: 0.50},
    ("outpatient_special", "moderate"): {LEVEL3: 0.30, LEVEL2: 0.40, PRIMARY: 0.30},
    ("outpatient_special", "severe"): {LEVEL3: 0.70, LEVEL2: 0.30},
    ("outpatient_general", "mild"): {LEVEL3: 0.08, LEVEL2: 0.15, LEVEL1: 0.07, PRIMARY: 0.30, CLINIC: 0.40},
    ("pharmacy", "mild"): {PHARMACY: 1.0},
}
# Attraction of an institution in another county, relative to one in the patient's county.
CROSS_COUNTY_FACTOR = {LEVEL3: 0.5, LEVEL2: 0.15, LEVEL1: 0.05, PRIMARY: 0.01, CLINIC: 0.01, PHARMACY: 0.02}
# Probability that a visit is out of area (異地就醫), by visit type (inpatient: by severity).
# Overall ≈ 3.5 % of settlements (brief: 3-5 %).
OUT_OF_AREA_SHARE = {"inpatient": (0.03, 0.06, 0.12), "outpatient_special": 0.02,
               "outpatient_general": 0.04, "pharmacy": 0.03}
INSTITUTION_GROWTH = (0.03, 0.08)  # mean and spread of an institution's yearly volume growth
INSTITUTION_COST_SPREAD = 0.10  # lognormal sigma of an institution's price level

# --- costs -----------------------------------------------------------------------------------
# Mean total cost (yuan) and lognormal sigma per visit type and class, before the diagnosis'
# cost factor. Inpatient: DOMAIN 11-14k at level 3, 5-7k at level 2, 2-3.5k at level 1 and
# township centres (the severity mix moves the realised means; see seeds/README.md).
COST = {
    "inpatient": {LEVEL3: (8500, 0.80), LEVEL2: (5200, 0.70), LEVEL1: (3000, 0.60),
                  PRIMARY: (2600, 0.55), OUT_OF_AREA: (18000, 0.90)},
    "outpatient_special": {LEVEL3: (450, 0.60), LEVEL2: (340, 0.60), PRIMARY: (220, 0.60),
                           OUT_OF_AREA: (600, 0.60)},
    "outpatient_general": {LEVEL3: (260, 0.70), LEVEL2: (200, 0.70), LEVEL1: (150, 0.70),
                           PRIMARY: (90, 0.70), CLINIC: (45, 0.70), OUT_OF_AREA: (300, 0.70)},
    "pharmacy": {PHARMACY: (90, 0.80), OUT_OF_AREA: (110, 0.80)},
}
EMPLOYEE_COST_FACTOR = 1.05
COST_GROWTH_PER_YEAR = 0.04
# Bed-day cost that turns a stay's cost into its length (DOMAIN: 床日費用 is an assessed figure).
BED_DAY_COST = {LEVEL3: 1300, LEVEL2: 850, LEVEL1: 500, PRIMARY: 380, OUT_OF_AREA: 1800}
MAX_STAY_DAYS = 90
# Cost parts (drug, exam, treatment, material, other): mean shares per visit type; each row's
# shares are Dirichlet-distributed around them.
COST_PARTS = {
    "inpatient": (0.30, 0.20, 0.25, 0.18, 0.07),
    "outpatient_special": (0.80, 0.12, 0.05, 0.01, 0.02),
    "outpatient_general": (0.60, 0.20, 0.15, 0.02, 0.03),
    "pharmacy": (0.95, 0.0, 0.0, 0.05, 0.0),
}
COST_PART_CONCENTRATION = 40.0
# Share of the cost inside the policy catalogue (政策範圍內).
ELIGIBLE_SHARE = {
    "inpatient": {LEVEL3: 0.86, LEVEL2: 0.89, LEVEL1: 0.92, PRIMARY: 0.95, OUT_OF_AREA: 0.82},
    "outpatient_special": 0.95, "outpatient_general": 0.92, "pharmacy": 0.85,
}
ELIGIBLE_SHARE_SPREAD = 0.04

# --- benefits --------------------------------------------------------------------------------
# Inpatient: per-stay deductible (起付線, yuan) and pooled-fund rate of the eligible cost above it.
# Calibrated: pooled / eligible ≈ 84 % for employees and ≈ 68 % for residents (DOMAIN).
INPATIENT_DEDUCTIBLE = {
    EMPLOYEE: {LEVEL3: 900, LEVEL2: 600, LEVEL1: 300, PRIMARY: 200, OUT_OF_AREA: 1200},
    RESIDENT: {LEVEL3: 800, LEVEL2: 500, LEVEL1: 300, PRIMARY: 100, OUT_OF_AREA: 1500},
}
INPATIENT_RATE_PAID = {
    EMPLOYEE: {LEVEL3: 0.88, LEVEL2: 0.91, LEVEL1: 0.93, PRIMARY: 0.95, OUT_OF_AREA: 0.82},
    RESIDENT: {LEVEL3: 0.72, LEVEL2: 0.80, LEVEL1: 0.86, PRIMARY: 0.90, OUT_OF_AREA: 0.60},
}
RETIREE_EXTRA_RATE = 0.04
SPECIAL_RATE_PAID = {EMPLOYEE: 0.85, RESIDENT: 0.60}
GENERAL_RATE_PAID = {EMPLOYEE: {"hospital": 0.55, "primary": 0.70},
                     RESIDENT: {"hospital": 0.40, "primary": 0.55}}
OUT_OF_AREA_OUTPATIENT_PENALTY = 0.10  # rate points less for out-of-area outpatient care
# CI insurance (大病保險), residents only, on the year's cumulative eligible out-of-pocket cost
# of inpatient and special outpatient care: deductible, tiers (from, rate), yearly cap.
# DOMAIN: deductible 10-21k (15,000 here), 60/70/80 % tiers at 50k/100k, poverty groups half the
# deductible, +5 points and no cap. Calibrated: the 56 yuan a resident that finance it cover what
# it pays with a margin (seeds/README.md gives the measured payout per resident).
CI_DEDUCTIBLE = 15000
CI_TIERS = ((0, 0.60), (50000, 0.70), (100000, 0.80))
CI_CAP = 400000
CI_POVERTY_DEDUCTIBLE_FACTOR = 0.5
CI_POVERTY_EXTRA_RATE = 0.05
# Medical assistance (醫療救助): share of what remains of the eligible cost after the pooled fund
# and CI insurance, for inpatient and special outpatient care.
ASSISTANCE_RATE = {EXTREME_POVERTY: 1.0, LOW_INCOME: 0.70, POVERTY_REGISTERED: 0.50}
# Employees' personal account: share of what remains after the funds, by visit type.
ACCOUNT_SHARE = {"inpatient": 0.25, "outpatient_special": 0.50, "outpatient_general": 0.75, "pharmacy": 0.92}

# --- financing (fund flows) ------------------------------------------------------------------
# Residents' yearly contribution and fiscal subsidy per person (DOMAIN: 2024 ≥ 400 + ≥ 670;
# national notices: 2023 380 + 640, 2025 400 + 700). Years outside the table use the nearest.
RESIDENT_FINANCING = {2023: (380, 640), 2024: (400, 670), 2025: (400, 700)}
# What a poverty-group resident pays of the contribution; assistance pays the rest (資助參保).
SUBSIDISED_CONTRIBUTION_SHARE = {EXTREME_POVERTY: 0.0, LOW_INCOME: 0.3, POVERTY_REGISTERED: 0.5}
# Share of a year's premiums collected in each month: the next year's from September to
# December (most of it in Q4), late payers of the current year in January and February.
PREMIUM_NEXT_YEAR = {9: 0.10, 10: 0.25, 11: 0.35, 12: 0.20}
PREMIUM_THIS_YEAR = {1: 0.06, 2: 0.04}
FISCAL_SUBSIDY_MONTHS = {3: 0.25, 6: 0.25, 9: 0.25, 12: 0.25}
# CI insurance money: per resident and year, moved from the resident fund to the CI fund each quarter.
CI_PREMIUM_PER_RESIDENT = 56
CI_PREMIUM_MONTHS = (1, 4, 7, 10)
# Employees: monthly contribution base (lognormal mean, sigma, floor), employer rate into the
# pooled fund, personal rate (into the personal account, not the pooled fund).
EMPLOYEE_BASE = (3600, 0.35, 2800)
EMPLOYER_RATE = 0.065
PERSONAL_RATE = 0.02
RETIREE_ACCOUNT_TRANSFER = 80  # yuan a month per retiree, pooled fund → personal accounts
# Maternity allowances paid by the employee fund (生育津貼): births per female employee and year,
# months of contribution base paid.
MATERNITY = (0.012, 4)
INTEREST_PER_QUARTER = 0.0035  # on the balance, credited in March, June, September, December
FLOW_NOISE = 0.03

# Opening balances, in months of the mean monthly expenditure (settlements and other expenses)
# of the first generated year. DOMAIN: employee pooled ≈ 20-30 months (national 27.6),
# resident ≈ 6-9 (8.5; the balance peaks in January after the Q4 premiums and is lowest in
# August), CI insurance a few months. An opening balance is raised where the fund would otherwise
# cover fewer than MINIMUM_BALANCE_MONTHS in some month (payable months as the marts compute
# them): 2 months, and for CI insurance 6.5, so that the fund stays `normal` (≥ 6) whatever the
# few large cases of a small data set cost.
OPENING_MONTHS = {"employee_pooled": 24.0, "resident_basic": 8.5, "critical_illness": 3.0}
MINIMUM_BALANCE_MONTHS = {"employee_pooled": 2.0, "resident_basic": 2.0, "critical_illness": 6.5}

# --- reversals, budgets, inspections, anomalies ----------------------------------------------
REVERSAL_SHARE = 0.005
REVERSAL_NEXT_MONTH_SHARE = 0.4
# Budget ÷ expected payments: (band share, low, high) for under, tolerated (≤ 10 % over), over.
BUDGET_FACTORS = ((0.55, 1.02, 1.25), (0.25, 1 / 1.10, 0.995), (0.20, 0.70, 0.88))
# Inspections besides the half-year plan, per local institution and year (in proportion to
# the institutions, so that on-site coverage rates look like a county report's).
INSPECTIONS_PER_INSTITUTION_YEAR = 0.3
PLAN_INSPECTED_SHARE = 0.9  # the share of the half-year plan's picks inspected in its first month
# A few private hospitals attract more stays and are where most suspicious patterns are
# injected (anomalies.py): cases of every screening rule of marts.suspicious_settlements, recorded
# in _ground_truth/suspicious.csv. Cases of a pattern per 100,000 insured persons a month, spread
# evenly over the months (staggered between patterns) and at least one a year, so that neither a
# small data set is dominated by them nor a large one without them. At the default 20,000
# persons: one a month of the patterns at 5, one every other month at 2.5, two in two years of
# ci_high_cost (whose CI money would otherwise drain the small CI fund). Near-identical amounts
# come at most once a month at each suspicious hospital.
SUSPICIOUS_INSTITUTIONS = 4
SUSPICIOUS_INPATIENT_WEIGHT = 3.0
PATTERN_CASES = {"ci_high_cost": 0.5, "readmission": 5.0, "overlapping_stays": 5.0, "frequent_admissions": 2.5,
                 "same_day_admissions": 2.5, "near_identical_amounts": 2.5, "long_stay": 5.0,
                 "diabetes_drug_cost": 2.5}
# Split admissions (分解住院): share of the stays at a suspicious hospital (and at least the
# pattern's cases of the month) followed by a readmission for the same diagnosis READMISSION_GAP
# days after the discharge, at the same hospital.
SUSPICIOUS_READMISSION_SHARE = 0.15
READMISSION_GAP = (1, 7)
# Planned chemotherapy and radiotherapy sessions are not split admissions: no injected
# readmission copies such a stay (the dbt default readmission_excluded_diagnoses).
READMISSION_EXCLUDED_DIAGNOSES = ("Z51",)
# Near-identical amounts (出院報銷金額接近): at one suspicious hospital a month, at least this
# many stays, and at least half of its stays, are billed at its package amount ± 0.5 %.
PACKAGE_YUAN = 2800  # at a price level of 1
PACKAGE_MIN_STAYS = 6
PACKAGE_SHARE = 0.5
# Admissions concentrated in time (入院時間較為集中): a group admission at a suspicious
# hospital of at least this many persons and 6 × its mean daily admissions.
GROUP_ADMISSION_MIN = 8
GROUP_ADMISSION_FACTOR = 6
# High admission frequency (住院頻次較高): one person with this many short stays of different
# diagnoses at a suspicious hospital.
FREQUENT_ADMISSION_STAYS = 5
# Hanging bed (掛床住院): one township-centre or level-1 stay a month stretched to at least this
# many times the expected length of its diagnosis (and of its own cost), its cost unchanged.
HANGING_BED_STRETCH = 5.0
HANGING_BED_DIAGNOSES = ("J18.9", "J20.9", "J06.9", "I10", "A09", "E11.9", "K29.7")
# Overlapping stays: one person a month is also admitted elsewhere during a stay.
# High-cost case: a resident's stay out of area (else at a level-3 hospital) costs this much
# (yuan), enough for ≥ 30,000 yuan of CI insurance (3萬元以上的高額費用病例).
HIGH_COST_YUAN = (300000, 400000)
# Diabetes outpatient drugs (門診慢特病): a diabetic gets two special-outpatient settlements of
# this cost (yuan), pushing the year's drug cost above 10,000 yuan.
DIABETES_HIGH_COST_YUAN = (8000, 10000)
# Case reviews (協同查處, case_reviews.py): the share of the suspicious cases submitted for
# verification; days from the settlement to the receipt of the materials; (share, days from the
# receipt to the conclusion), None: still pending when the data end; the share confirmed, of the
# injected and of the natural cases; a confirmed case's violating cost as a share of its cost,
# and the share of that (at most the CI money paid on it) the insurer refuses.
REVIEW_SHARE = 0.9
CASE_RECEIPT_DAYS = (7, 45)
CASE_CONCLUSION = ((0.80, (10, 88)), (0.15, (95, 180)), (0.05, None))
CONFIRMED_SHARE = {"injected": 0.8, "natural": 0.15}
VIOLATING_SHARE = (0.3, 1.0)
CI_REFUSED_SHARE = (0.6, 1.0)
# The documented defaults of the dbt rules (dbt_project.yml vars) the ground truth is labelled
# with: CI payment ≥ ci_high_cost_threshold, yearly diabetes drug cost > diabetes_drug_cost_cap.
CI_HIGH_COST_THRESHOLD = 30000
DIABETES_DRUG_COST_CAP = 10000

# --- reference data --------------------------------------------------------------------------
# Institutions generated besides the named public hospitals of seeds/hospitals.csv and one
# township health centre per town of seeds/towns.csv (DOMAIN: ≈ 115 hospitals, 5-8 of level 3,
# ≈ 75 township centres; 1,500-2,000 clinics and 1,000-2,000 pharmacies, sampled here).
PRIVATE_HOSPITALS = {"2": 14, "1": 45, "0": 30}
ENTERPRISE_HOSPITALS = 5  # public level-1 (職工醫院)
COMMUNITY_CENTRES_PER_COUNTY = 2
CLINICS = 160
PHARMACIES = 150
CITY_MANAGED_PRIVATE_LEVEL2 = 0.3  # share of urban private level-2 hospitals the city manages
URBAN_COUNTIES = ("450802", "450803")
BEDS = {("hospital", "3"): (600, 1800), ("hospital", "2"): (150, 600), ("hospital", "1"): (30, 120),
        ("hospital", "0"): (20, 80), ("primary", "1"): (20, 100)}
DOCTORS_PER_BED = 0.3
DOCTORS = {"primary": (4, 12), "clinic": (1, 3)}

# --- inspections (DOMAIN requirements 1, 3, 8, 9; 國令第735號 arts. 38 and 40) ---------------
INSPECTION_KINDS = {"onsite": 0.30, "online_audit": 0.30, "special": 0.15, "joint_patrol": 0.15, "flying": 0.10}
INSPECTION_TRIGGERS = {"routine": 0.35, "data_anomaly": 0.30, "complaint": 0.20, "referral": 0.15}
# Who gets inspected, by class; data anomalies point at the suspicious hospitals.
INSPECTION_WEIGHT = {LEVEL3: 4.0, LEVEL2: 3.0, LEVEL1: 3.0, PRIMARY: 2.0, CLINIC: 1.0, PHARMACY: 1.5}
ANOMALY_WEIGHT_SUSPICIOUS = 20.0
FINDINGS = {"none": 45, "over_standard_charge": 12, "duplicate_charge": 10, "item_substitution": 8,
            "unreasonable_treatment": 8, "hanging_bed": 4, "induced_admission": 3, "split_admission": 3,
            "fictitious_service": 2, "forged_documents": 1, "other": 4}
BED_FINDINGS = ("hanging_bed", "induced_admission", "split_admission")  # need beds
SUSPICIOUS_FINDING_SHARE = 0.8  # findings at the suspicious hospitals: one of BED_FINDINGS
FRAUD_FINDINGS = ("fictitious_service", "forged_documents")  # art. 40: fraud
# Involved amount (yuan): lognormal mean by institution type; sigma.
INVOLVED_AMOUNT = ({"hospital": 80000, "primary": 20000, "clinic": 5000, "pharmacy": 8000}, 1.0)
RECOVERED_SHARE = (0.5, 1.0)
# Actions and demerit points by gravity: minor findings, bed findings, fraud.
ACTIONS_BY_GRAVITY = {"minor": {"interview": 0.4, "rectify": 0.6},
                      "serious": {"interview": 0.1, "rectify": 0.5, "suspend": 0.4},
                      "fraud": {"suspend": 0.4, "terminate": 0.3, "refer_judicial": 0.3}}
DEMERIT_POINTS = {"minor": (1, 3), "serious": (3, 6), "fraud": (9, 12)}  # 醫保發〔2024〕23號: 12 a year
# Liquidated damages (× recovered) and administrative fines (× involved; art. 38: 1-2×, art. 40: 2-5×).
PENALTY_MULTIPLE = {"minor": (0.0, 0.2), "serious": (0.5, 1.0), "fraud": (1.0, 1.0)}
FINE_MULTIPLE = {"minor": (0.0, 0.0), "serious": (1.0, 2.0), "fraud": (2.0, 5.0)}
FINE_SHARE = {"minor": 0.0, "serious": 0.4, "fraud": 1.0}  # cases that also get an administrative fine
CLOSING_DAYS = (15, 120)
