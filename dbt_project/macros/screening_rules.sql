{#-
    The screening rules of suspicious_settlements (篩查規則), in catalogue order: (rule_id, Chinese
    name, what it flags, what its figure measures, its policy parameters). Each rule_id has its
    model intermediate/suspicious/int_suspicious__<rule_id>.sql; suspicious_settlements unions
    them and suspicious_rules lists them with their effective parameters.
-#}
{% macro screening_rules() %}
    {{ return([
        ('ci_high_cost', '大病保險高額費用病例',
         'a settlement with critical_illness_paid >= ci_high_cost_threshold',
         'critical_illness_paid, yuan', ['ci_high_cost_threshold']),
        ('readmission', '分解住院(同診斷再入院)',
         'stay B when the same person has another stay A at the same institution with 0 <= B.admission_date - A.discharge_date <= readmission_days and the same first three characters of diagnosis_code, unless they are among readmission_excluded_diagnoses (planned chemotherapy and radiotherapy)',
         'the smallest such gap, days', ['readmission_days', 'readmission_excluded_diagnoses']),
        ('overlapping_stays', '住院時間重疊',
         'both stays A and B of one person when A.admission_date < B.discharge_date and B.admission_date < A.discharge_date',
         'number of other stays it overlaps', []),
        ('frequent_admissions', '住院頻次較高',
         'every stay of a person with at least frequent_admission_stays stays settled in the same half-year',
         "the person's stays in the half-year", ['frequent_admission_stays']),
        ('same_day_admissions', '入院時間集中',
         'every stay admitted at an institution on a day with at least same_day_admissions_min admissions there and at least same_day_admissions_ratio times its mean daily admissions',
         'admissions at the institution that day', ['same_day_admissions_min', 'same_day_admissions_ratio']),
        ('near_identical_amounts', '出院金額接近',
         'stays of an institution and settlement month whose total_cost falls in one band of relative width near_identical_band holding at least near_identical_min_stays stays and at least near_identical_min_share of its stays of the month',
         'stays in the band', ['near_identical_band', 'near_identical_min_stays', 'near_identical_min_share']),
        ('long_stay', '疑似掛床住院(住院天數超常)',
         'a stay with bed-days >= long_stay_ratio times the peer median and cost per bed-day <= long_stay_daily_cost_ratio times the peer median (peers: same institution type and level, same 3-character diagnosis, at least long_stay_min_peer_stays stays)',
         'bed-days of the stay', ['long_stay_ratio', 'long_stay_daily_cost_ratio', 'long_stay_min_peer_stays']),
        ('diabetes_drug_cost', '糖尿病門診藥品費用超年度限額',
         "special-outpatient settlements with a diabetes diagnosis (E10-E14) from the one at which the person's drug cost of such settlements in the calendar year exceeds diabetes_drug_cost_cap",
         "the person's running drug cost of the year, yuan", ['diabetes_drug_cost_cap']),
    ]) }}
{% endmacro %}
