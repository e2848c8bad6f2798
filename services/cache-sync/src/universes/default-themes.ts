// The nine default themes (CONTRACT §4) as rules over the fields we have. The provider has no
// GICS sector: sicDescription (EDGAR SIC text such as "SERVICES-PREPACKAGED SOFTWARE") is the one
// field that is always there, so every theme leans on SIC terms; `sectors`/`industries` catch
// whatever classification the import adds. All terms are case-insensitive substrings. Pins hold the
// names a reader expects to see whatever the SIC code says (VRTX files as "PHARMACEUTICAL
// PREPARATIONS", AMZN as a retailer). ESG has no data source: its rule is a large-cap,
// low-carbon-sector approximation with the usual exclusions.
import type { ThemeRuleInput } from "../config.ts";

const SOFTWARE_SIC = ["prepackaged software", "computer programming", "computer processing", "computer integrated systems"];

export const DEFAULT_THEMES: Record<string, ThemeRuleInput> = {
  ai_ml_leaders: {
    description: "Large software, semiconductor and computing companies driving AI and machine learning",
    industries: ["software", "semiconductor", "artificial intelligence", "information technology services", "computer hardware"],
    sicTerms: [...SOFTWARE_SIC, "semiconductors", "electronic computers"],
    pinned: ["NVDA", "MSFT", "GOOGL", "META", "AMD", "AVGO", "PLTR"],
    minMarketCap: 10e9,
    maxSize: 50,
  },
  biotech_innovators: {
    description: "Biotechnology, biologics, diagnostics and life-science research companies",
    industries: ["biotechnology"],
    sicTerms: ["biological products", "in vitro & in vivo diagnostic", "commercial physical & biological research"],
    pinned: ["VRTX", "REGN", "AMGN", "GILD", "MRNA", "BIIB"],
    minMarketCap: 1e9,
    maxSize: 100,
  },
  cloud_computing: {
    description: "Cloud platforms, software-as-a-service and data processing",
    industries: ["software", "cloud", "information technology services"],
    sicTerms: SOFTWARE_SIC,
    pinned: ["AMZN", "MSFT", "GOOGL", "ORCL", "CRM", "NOW", "SNOW"],
    minMarketCap: 2e9,
    maxSize: 50,
  },
  crypto_blockchain: {
    description: "Crypto exchanges, bitcoin miners and holders, blockchain companies",
    industries: ["crypto", "blockchain", "digital asset", "bitcoin"],
    sicTerms: ["crypto", "blockchain", "bitcoin"],
    pinned: ["COIN", "MSTR", "MARA", "RIOT", "CLSK", "HUT"],
    minMarketCap: 100e6,
    maxSize: 30,
  },
  dividend_aristocrats: {
    description: "Large, long-listed staples, utilities and industrials (proxy: no dividend history in the data)",
    sectors: ["consumer staples", "consumer defensive", "utilities", "industrials"],
    industries: ["beverages", "household", "packaged foods", "utilities", "specialty industrial machinery", "conglomerates"],
    sicTerms: [
      "beverages", "bottled & canned soft drinks", "food and kindred", "soap, detergents", "perfumes, cosmetics",
      "electric services", "electric & other services combined", "natural gas distribution", "water supply",
      "general industrial machinery",
    ],
    pinned: ["KO", "PG", "JNJ", "PEP", "CL", "KMB", "MCD", "WMT", "LOW", "ITW"],
    minMarketCap: 10e9,
    minListedYears: 25,
    maxSize: 70,
  },
  esg_leaders: {
    description: "Large technology and health companies, excluding fossil fuels, tobacco, weapons and gambling (proxy: no ESG scores in the data)",
    sectors: ["technology", "health"],
    industries: ["software", "semiconductor", "medical", "diagnostics"],
    sicTerms: ["prepackaged software", "computer programming", "semiconductors", "surgical & medical instruments", "electromedical", "in vitro & in vivo diagnostic"],
    excludedTerms: ["tobacco", "cigarettes", "crude petroleum", "petroleum refining", "oil & gas", "oil and gas", "coal", "ordnance", "guided missiles", "casino", "gambling"],
    minMarketCap: 50e9,
    maxSize: 50,
  },
  fintech_disruptors: {
    description: "Payments, consumer credit platforms, brokers and financial technology",
    industries: ["credit services", "financial data", "fintech", "payment"],
    sicTerms: ["finance services", "personal credit institutions", "functions related to depository banking"],
    pinned: ["V", "MA", "PYPL", "XYZ", "SQ", "SOFI", "AFRM", "HOOD", "FI", "NU", "TOST"],
    minMarketCap: 1e9,
    maxSize: 50,
  },
  green_energy: {
    description: "Solar, wind, renewable utilities, fuel cells and electric vehicles",
    industries: ["solar", "renewable", "clean energy", "fuel cell", "wind power", "electric vehicle"],
    sicTerms: ["cogeneration", "small power producers"],
    pinned: ["TSLA", "ENPH", "FSLR", "NEE", "BEP", "PLUG", "RUN"],
    minMarketCap: 300e6,
    maxSize: 50,
  },
  technology_leaders: {
    description: "The largest technology companies: software, semiconductors, hardware and communications equipment",
    sectors: ["technology"],
    industries: ["software", "semiconductor", "computer hardware", "consumer electronics", "communication equipment", "internet content"],
    sicTerms: ["prepackaged software", "semiconductors", "computer", "communications equipment", "telephone & telegraph apparatus", "electronic components"],
    pinned: ["AAPL", "MSFT", "NVDA", "GOOGL", "META", "AMZN", "AVGO"],
    minMarketCap: 50e9,
    maxSize: 50,
  },
};
